import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../../test/harness.ts';
import { ledgerViolations } from '../economy.service.ts';
import { LOCAL_SIGNATURE_HEADER, LocalPaymentProvider } from './local.provider.ts';
import { localPaymentSecret } from './providers.ts';

describe.each(dbTargets())('coin purchases through the payment pipeline (%s)', (target) => {
  let server: TestServer;
  let packageId: string;
  let signer: LocalPaymentProvider;

  const webhook = (body: unknown, signature?: string) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${server.url}/webhooks/local`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [LOCAL_SIGNATURE_HEADER]: signature ?? signer.sign(raw),
      },
      body: raw,
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
  };
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const checkout = async (u: TestUser) => {
    const r = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      {
        package_id: packageId,
        provider: 'local',
        currency: 'TRY',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(r.status).toBe(200);
    const url = new URL(r.json.redirect_url);
    return {
      provider: r.json.provider as string,
      purchase_id: r.json.purchase_id as string,
      checkoutId: url.pathname.split('/').pop()!,
      path: url.pathname,
    };
  };

  beforeAll(async () => {
    server = await startTestServer(target);
    signer = new LocalPaymentProvider(localPaymentSecret(server.env), server.url);
    packageId = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ('coins_550', 550, '{"USD": 999, "TRY": 34999}') returning id`,
      );
      return rows[0]!.id;
    });
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('buys coins through the local checkout page', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    expect(co.provider).toBe('local');
    const pageHtml = await (await fetch(`${server.url}${co.path}`)).text();
    expect(pageHtml).toContain('550 coins');
    expect(pageHtml).toContain('349.99 TRY');
    const done = await (await fetch(`${server.url}${co.path}/complete`, { method: 'POST' })).text();
    expect(done).toContain('550 coins are in your wallet');
    expect(await balance(u)).toBe(550);
    const purchases = (await call(server, 'GET', '/api/purchases', u.accessToken())).json.items;
    expect(purchases[0]).toMatchObject({
      status: 'succeeded',
      coins: 550,
      amount_minor: 34999,
      currency: 'TRY',
    });
    const history = await server.db.driver.query<{ status: string }>(
      'select status from coin_purchase_events where purchase_id = $1 order by id',
      [co.purchase_id],
    );
    expect(history.rows.map((r) => r.status)).toEqual(['pending', 'succeeded']);
    // The page cannot be paid twice.
    expect(await (await fetch(`${server.url}${co.path}`)).text()).toContain('Status: succeeded');
  });

  it('a declined payment credits nothing', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    await fetch(`${server.url}${co.path}/fail`, { method: 'POST' });
    expect(await balance(u)).toBe(0);
    expect((await call(server, 'GET', '/api/purchases', u.accessToken())).json.items[0].status).toBe(
      'failed',
    );
  });

  it('counts replayed and duplicated webhooks exactly once', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const paymentId = `pay_${randomUUID()}`;
    const event = {
      id: `evt_${randomUUID()}`,
      type: 'payment.succeeded',
      checkout_id: co.checkoutId,
      payment_id: paymentId,
      amount_minor: 34999,
      currency: 'TRY',
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => webhook(event)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.json.outcomes[0] === 'credited')).toHaveLength(1);
    // Same payment under another event id (providers resend with new ids): still once.
    const again = await webhook({ ...event, id: `evt_${randomUUID()}` });
    expect(again.status).toBe(200);
    expect(await balance(u)).toBe(550);
  });

  it('rejects a wrong signature, a replay outside the tolerance window and a malformed body', async () => {
    const body = JSON.stringify({ id: 'evt_x', type: 'payment.refunded', payment_id: 'p' });
    const wrong = await webhook(body, `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`);
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_signature');
    const stale = await webhook(body, signer.sign(body, Math.floor(Date.now() / 1000) - 600));
    expect(stale.status).toBe(401);
    expect(stale.json.error.message).toMatch(/tolerance/);
    const missing = await fetch(`${server.url}/webhooks/local`, { method: 'POST', body });
    expect(missing.status).toBe(401);
    const bad = await webhook('{"id": "evt_y", "type": "payment.succeeded"}');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('malformed_webhook');
    const notJson = await webhook('not json');
    expect(notJson.status).toBe(400);
    const unknown = await call(server, 'POST', '/webhooks/paypal', null, {});
    expect(unknown.status).toBe(404);
  });

  it('a database error half-way through crediting leaves no partial state, and the retry succeeds', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const event = {
      id: `evt_${randomUUID()}`,
      type: 'payment.succeeded',
      checkout_id: co.checkoutId,
      payment_id: `pay_${randomUUID()}`,
      amount_minor: 34999,
      currency: 'TRY',
    };
    // Fail after the ledger posting, at the purchase history insert.
    await server.db.driver.exec(`
      create function public.test_fail_history() returns trigger language plpgsql as $$
      begin if new.status = 'succeeded' then raise exception 'injected failure'; end if; return new; end $$;
      create trigger test_fail_history before insert on public.coin_purchase_events for each row execute function public.test_fail_history();`);
    try {
      const failed = await webhook(event);
      expect(failed.status).toBe(500);
    } finally {
      await server.db.driver.exec(
        'drop trigger test_fail_history on public.coin_purchase_events; drop function public.test_fail_history();',
      );
    }
    expect(await balance(u)).toBe(0);
    const recorded = await server.db.driver.query('select 1 from payment_events where event_id = $1', [
      event.id,
    ]);
    expect(recorded.rows).toHaveLength(0); // not marked processed: the provider's retry will apply it
    expect((await call(server, 'GET', '/api/purchases', u.accessToken())).json.items[0].status).toBe(
      'pending',
    );
    const retry = await webhook(event);
    expect(retry.json.outcomes).toEqual(['credited']);
    expect(await balance(u)).toBe(550);
  });

  it('applies a refund that arrives before its payment once the payment arrives', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const paymentId = `pay_${randomUUID()}`;
    const refund = await webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.refunded',
      payment_id: paymentId,
    });
    expect(refund.json.outcomes).toEqual(['deferred']);
    const paid = await webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.succeeded',
      checkout_id: co.checkoutId,
      payment_id: paymentId,
      amount_minor: 34999,
      currency: 'TRY',
    });
    expect(paid.json.outcomes).toEqual(['credited']);
    expect(await balance(u)).toBe(0);
    expect((await call(server, 'GET', '/api/purchases', u.accessToken())).json.items[0].status).toBe(
      'refunded',
    );
  });

  it('handles chargebacks and won disputes', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const paymentId = `pay_${randomUUID()}`;
    await webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.succeeded',
      checkout_id: co.checkoutId,
      payment_id: paymentId,
      amount_minor: 34999,
      currency: 'TRY',
    });
    await webhook({ id: `evt_${randomUUID()}`, type: 'dispute.created', payment_id: paymentId });
    expect(await balance(u)).toBe(0);
    await webhook({ id: `evt_${randomUUID()}`, type: 'dispute.won', payment_id: paymentId });
    expect(await balance(u)).toBe(550);
  });

  it('validates checkout input and never lets one user complete another user’s checkout as theirs', async () => {
    const u = await signIn(server);
    const badCurrency = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      {
        package_id: packageId,
        provider: 'local',
        currency: 'EUR',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(badCurrency.status).toBe(400);
    expect(badCurrency.json.error.details.fields[0].path).toBe('currency');
    const anon = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      null,
      {
        package_id: packageId,
        provider: 'local',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(anon.status).toBe(401);
    const other = await signIn(server);
    const co = await checkout(u);
    await fetch(`${server.url}${co.path}/complete`, { method: 'POST' });
    expect(await balance(other)).toBe(0);
    expect(await balance(u)).toBe(550);
    expect((await call(server, 'GET', '/api/purchases', other.accessToken())).json.items).toEqual([]);
  });
});
