import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../../test/harness.ts';
import { LOCAL_SIGNATURE_HEADER, LocalPaymentProvider } from './local.provider.ts';
import { expirePendingPurchases } from './payments.service.ts';
import { localPaymentSecret } from './providers.ts';
import { StripePaymentProvider } from './stripe.provider.ts';

const STATES = [
  'pending',
  'held',
  'succeeded',
  'partially_refunded',
  'refunded',
  'disputed',
  'failed',
  'expired',
  'blocked',
  'rejected',
] as const;
/** The legal moves (coin_purchase_transitions); every other pair must be refused. */
const LEGAL = new Set([
  'pending>held',
  'pending>succeeded',
  'pending>failed',
  'pending>expired',
  'pending>blocked',
  'pending>refunded',
  'pending>disputed',
  'held>succeeded',
  'held>blocked',
  'held>rejected',
  'held>refunded',
  'held>disputed',
  'succeeded>partially_refunded',
  'succeeded>refunded',
  'succeeded>disputed',
  'partially_refunded>refunded',
  'partially_refunded>disputed',
  'disputed>succeeded',
  'disputed>partially_refunded',
  'blocked>refunded',
  'rejected>refunded',
]);
/** A legal path from pending to each state, to put a purchase there before trying a move. */
const PATH: Record<(typeof STATES)[number], string[]> = {
  pending: [],
  held: ['held'],
  succeeded: ['succeeded'],
  partially_refunded: ['succeeded', 'partially_refunded'],
  refunded: ['refunded'],
  disputed: ['disputed'],
  failed: ['failed'],
  expired: ['expired'],
  blocked: ['blocked'],
  rejected: ['held', 'rejected'],
};

describe.each(dbTargets())('purchase lifecycle and money checks (%s)', (target) => {
  let server: TestServer;
  let packageId: string;
  let signer: LocalPaymentProvider;
  let admin: TestUser;

  const webhook = (body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    return fetch(`${server.url}/webhooks/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [LOCAL_SIGNATURE_HEADER]: signer.sign(raw) },
      body: raw,
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
  };
  const paid = (checkoutId: string, paymentId: string, amount = 999, currency = 'USD') =>
    webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.succeeded',
      checkout_id: checkoutId,
      payment_id: paymentId,
      amount_minor: amount,
      currency,
    });
  const refunded = (paymentId: string, amount?: number) =>
    webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.refunded',
      payment_id: paymentId,
      ...(amount ? { amount_minor: amount } : {}),
    });
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const startCheckout = (u: TestUser, key: string = randomUUID(), body: Record<string, unknown> = {}) =>
    call(
      server,
      'POST',
      '/api/purchases/checkout',
      u.accessToken(),
      { package_id: packageId, provider: 'local', currency: 'USD', ...body },
      { 'idempotency-key': key },
    );
  const checkout = async (u: TestUser) => {
    const r = await startCheckout(u);
    expect(r.status).toBe(200);
    const url = new URL(r.json.redirect_url);
    return {
      purchaseId: r.json.purchase_id as string,
      checkoutId: url.pathname.split('/').pop()!,
      path: url.pathname,
    };
  };
  const status = async (purchaseId: string) =>
    (
      await server.db.driver.query<{ status: string }>('select status from coin_purchases where id = $1', [
        purchaseId,
      ])
    ).rows[0]?.status;
  const items = async (purchaseId: string) =>
    (
      await server.db.driver.query<{ kind: string; id: string; status: string }>(
        'select kind, id, status from reconciliation_items where purchase_id = $1 order by created_at',
        [purchaseId],
      )
    ).rows;

  beforeAll(async () => {
    server = await startTestServer(target);
    signer = new LocalPaymentProvider(localPaymentSecret(server.env), server.url);
    packageId = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ('coins_550', 550, '{"USD": 999, "TRY": 34999}') returning id`,
      );
      return rows[0]!.id;
    });
    admin = await signIn(server);
    await server.db.driver.query('update accounts set is_admin = true where user_id = $1', [admin.userId]);
  });
  afterAll(() => server?.dispose());

  it('a refund then a new success for the same payment id credits nothing', async () => {
    const u = await signIn(server);
    // Held for an amount mismatch, refunded at the provider, then a "success" with the right amount arrives.
    const a = await checkout(u);
    const payA = `pay_${randomUUID()}`;
    expect((await paid(a.checkoutId, payA, 1)).json.outcomes).toEqual(['held: amount mismatch']);
    expect((await refunded(payA)).json.outcomes).toEqual(['refunded']);
    expect((await paid(a.checkoutId, payA)).json.outcomes).toEqual(['not credited: purchase is closed']);
    expect(await status(a.purchaseId)).toBe('refunded');
    // Credited, refunded, then the same payment "succeeds" again under a new event id.
    const b = await checkout(u);
    const payB = `pay_${randomUUID()}`;
    expect((await paid(b.checkoutId, payB)).json.outcomes).toEqual(['credited']);
    expect((await refunded(payB)).json.outcomes).toEqual(['refunded']);
    expect((await paid(b.checkoutId, payB)).json.outcomes).toEqual(['credited']); // a replay, not a credit
    expect(await balance(u)).toBe(0);
    expect(await status(b.purchaseId)).toBe('refunded');
    // The refund arrives first, before the provider's payment id is known to us: still nothing left over.
    const c = await checkout(u);
    const payC = `pay_${randomUUID()}`;
    expect((await refunded(payC)).json.outcomes).toEqual(['deferred']);
    await paid(c.checkoutId, payC);
    expect(await balance(u)).toBe(0);
    expect(await status(c.purchaseId)).toBe('refunded');
    expect((await items(a.purchaseId)).map((i) => i.kind)).toEqual([
      'amount_mismatch',
      'paid_not_creditable',
    ]);
  });

  it('a declined local checkout can never be completed', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    await fetch(`${server.url}${co.path}/fail`, { method: 'POST' });
    expect(await status(co.purchaseId)).toBe('failed');
    const page = await fetch(`${server.url}${co.path}/complete`, { method: 'POST' });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('This checkout is closed (failed)');
    // Even a correctly signed success for that checkout credits nothing: it becomes an item for an admin.
    const forged = await paid(co.checkoutId, `pay_${randomUUID()}`);
    expect(forged.json.outcomes).toEqual(['not credited: purchase is closed']);
    expect(await balance(u)).toBe(0);
    expect(await status(co.purchaseId)).toBe('failed');
    expect((await items(co.purchaseId)).map((i) => i.kind)).toEqual(['paid_not_creditable']);
  });

  it('a reported amount or currency that differs from the package holds the purchase for an admin', async () => {
    const u = await signIn(server);
    const low = await checkout(u);
    const payLow = `pay_${randomUUID()}`;
    expect((await paid(low.checkoutId, payLow, 1)).json.outcomes).toEqual(['held: amount mismatch']);
    const wrongCurrency = await checkout(u);
    expect((await paid(wrongCurrency.checkoutId, `pay_${randomUUID()}`, 999, 'TRY')).json.outcomes).toEqual([
      'held: amount mismatch',
    ]);
    // Redelivered: still held, one item.
    expect((await paid(low.checkoutId, payLow, 1)).json.outcomes).toEqual(['held: amount mismatch']);
    expect(await balance(u)).toBe(0);
    expect(await status(low.purchaseId)).toBe('held');
    const [lowItem] = await items(low.purchaseId);
    const [currencyItem] = await items(wrongCurrency.purchaseId);
    expect(lowItem?.kind).toBe('amount_mismatch');

    // Only admins see and resolve the queue.
    expect((await call(server, 'GET', '/api/admin/reconciliation', u.accessToken())).status).toBe(403);
    expect((await call(server, 'GET', '/api/admin/reconciliation', null)).status).toBe(401);
    // RLS: staff only, also for a direct read.
    const rls = await server.db.asUser(
      claimsOf(u),
      async (tx) => (await tx.query('select 1 from reconciliation_items')).rows,
    );
    expect(rls).toHaveLength(0);
    const list = await call(server, 'GET', '/api/admin/reconciliation?status=open', admin.accessToken());
    expect(list.status).toBe(200);
    const shown = list.json.items.find((i: { id: string }) => i.id === lowItem!.id);
    expect(shown).toMatchObject({
      kind: 'amount_mismatch',
      purchase_status: 'held',
      reported_amount_minor: 1,
      reported_currency: 'USD',
      expected_amount_minor: 999,
      expected_currency: 'USD',
    });
    const resolve = (id: string, body: unknown, who = admin) =>
      call(server, 'POST', `/api/admin/reconciliation/${id}/resolve`, who.accessToken(), body);
    expect((await resolve(lowItem!.id, { action: 'credit' }, u)).status).toBe(403);
    expect((await resolve(lowItem!.id, { action: 'credit', extra: 1 })).status).toBe(400);
    // Credit: exactly once, whatever repeats.
    const [first, second] = await Promise.all([
      resolve(lowItem!.id, { action: 'credit', note: 'customer paid the difference' }),
      resolve(lowItem!.id, { action: 'credit' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect(await balance(u)).toBe(550);
    expect(await status(low.purchaseId)).toBe('succeeded');
    // The books record what actually arrived (1 cent), not the package price.
    const sales = await server.db.driver.query<{ amount_minor: string }>(
      'select amount_minor::text from coin_purchases where id = $1',
      [low.purchaseId],
    );
    expect(sales.rows[0]!.amount_minor).toBe('1');
    // Reject: never credited, also not by a later success.
    const rejected = await resolve(currencyItem!.id, { action: 'reject' });
    expect(rejected.json).toMatchObject({ status: 'resolved', resolution: 'rejected', credited: false });
    expect(await status(wrongCurrency.purchaseId)).toBe('rejected');
    expect((await resolve(currencyItem!.id, { action: 'credit' })).status).toBe(409);
    expect((await paid(wrongCurrency.checkoutId, `pay_${randomUUID()}`)).json.outcomes[0]).toMatch(
      /^not credited/,
    );
    expect(await balance(u)).toBe(550);
  });

  it('a paid payment that matches no purchase is a reconciliation item', async () => {
    const paymentId = `pay_${randomUUID()}`;
    const r = await paid(`cs_local_${randomUUID().replace(/-/g, '')}`, paymentId);
    expect(r.json.outcomes[0]).toMatch(/^unmatched/);
    const list = await call(server, 'GET', '/api/admin/reconciliation', admin.accessToken());
    const item = list.json.items.find((i: { external_id: string }) => i.external_id === paymentId);
    expect(item).toMatchObject({
      kind: 'unmatched_payment',
      provider: 'local',
      purchase_id: null,
      status: 'open',
    });
    const dismissed = await call(
      server,
      'POST',
      `/api/admin/reconciliation/${item.id}/resolve`,
      admin.accessToken(),
      { action: 'dismiss', note: 'test payment' },
    );
    expect(dismissed.json).toMatchObject({ resolution: 'dismissed', note: 'test payment' });
  });

  it('checkout start is idempotent per Idempotency-Key and body', async () => {
    const u = await signIn(server);
    const key = `co-${randomUUID()}`;
    const a = await startCheckout(u, key);
    const b = await startCheckout(u, key);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.json.purchase_id).toBe(a.json.purchase_id);
    expect(b.json.redirect_url).toBe(a.json.redirect_url);
    const other = await startCheckout(u, key, { currency: 'TRY' });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_key_reused');
    const missing = await call(server, 'POST', '/api/purchases/checkout', u.accessToken(), {
      package_id: packageId,
      provider: 'local',
      currency: 'USD',
    });
    expect(missing.status).toBe(400);
    const extra = await startCheckout(u, randomUUID(), { coins: 100000 });
    expect(extra.status).toBe(400);
    // Another user's same key is their own checkout.
    const v = await signIn(server);
    const theirs = await startCheckout(v, key);
    expect(theirs.json.purchase_id).not.toBe(a.json.purchase_id);
    const { rows } = await server.db.driver.query<{ n: string }>(
      `select count(*)::text as n from coin_purchases where idempotency_key = $1`,
      [key],
    );
    expect(rows[0]!.n).toBe('2');
  });

  it('an unreachable provider answers 503 provider_unavailable and leaves no pending purchase', async () => {
    const original = server.payments.get('stripe');
    server.payments.set(
      'stripe',
      new StripePaymentProvider({
        secretKey: 'sk_test_unreachable',
        webhookSecret: 'whsec_unreachable',
        fetch: (async () => {
          throw new TypeError('fetch failed: connect ECONNREFUSED');
        }) as typeof fetch,
      }),
    );
    try {
      const u = await signIn(server);
      const key = randomUUID();
      const r = await startCheckout(u, key, { provider: 'stripe' });
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('provider_unavailable');
      const { rows } = await server.db.driver.query<{ status: string; idempotency_key: string | null }>(
        'select status, idempotency_key from coin_purchases where user_id = $1',
        [u.userId],
      );
      expect(rows).toEqual([{ status: 'failed', idempotency_key: null }]);
      // The same key may be retried once the provider is back.
      const retry = await startCheckout(u, key, { provider: 'stripe' });
      expect(retry.status).toBe(503);
    } finally {
      if (original) server.payments.set('stripe', original);
      else server.payments.delete('stripe');
    }
  });

  it('pending purchases expire and an expired checkout is never credited', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const early = await expirePendingPurchases(server.db, new Date(Date.now() + 60_000));
    expect(early).toBe(0); // inside the 24-hour window
    const n = await expirePendingPurchases(server.db, new Date(Date.now() + 25 * 60 * 60_000));
    expect(n).toBeGreaterThanOrEqual(1);
    expect(await status(co.purchaseId)).toBe('expired');
    expect((await paid(co.checkoutId, `pay_${randomUUID()}`)).json.outcomes).toEqual([
      'not credited: purchase is closed',
    ]);
    expect(await balance(u)).toBe(0);
    expect((await items(co.purchaseId)).map((i) => i.kind)).toEqual(['paid_not_creditable']);
  });

  it('partial refunds debit coins in proportion and add up to at most the whole purchase', async () => {
    const u = await signIn(server);
    const co = await checkout(u);
    const pay = `pay_${randomUUID()}`;
    await paid(co.checkoutId, pay);
    expect(await balance(u)).toBe(550);
    // 100 of 999 cents: ceil(550 × 100 / 999) = 56 coins.
    expect((await refunded(pay, 100)).json.outcomes).toEqual(['partially refunded']);
    expect(await balance(u)).toBe(494);
    // Another 400 (500 in total): ceil(550 × 500 / 999) = 276 in total, 220 more.
    await refunded(pay, 400);
    expect(await balance(u)).toBe(274);
    // More than what is left refunds the rest, never more.
    expect((await refunded(pay, 5000)).json.outcomes).toEqual(['refunded']);
    expect(await balance(u)).toBe(0);
    expect((await refunded(pay, 100)).json.outcomes).toEqual(['refunded']);
    expect(await balance(u)).toBe(0);
    const { rows } = await server.db.driver.query<{ refunded_minor: string; refunded_coins: string }>(
      'select refunded_minor::text, refunded_coins::text from coin_purchases where id = $1',
      [co.purchaseId],
    );
    expect(rows[0]).toEqual({ refunded_minor: '999', refunded_coins: '550' });
  });

  it('a chargeback claws back pending earnings, and a won dispute gives them back', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorId = (await creator.api.me()).real_profile!.id;
    const u = await signIn(server);
    const co = await checkout(u);
    const pay = `pay_${randomUUID()}`;
    await paid(co.checkoutId, pay);
    const tip = await call(
      server,
      'POST',
      '/api/tips',
      u.accessToken(),
      { creator_id: creatorId, amount: 500, note: 'thanks' },
      { 'idempotency-key': randomUUID() },
    );
    expect(tip.status).toBe(200);
    const earnings = async () => (await call(server, 'GET', '/api/earnings', creator.accessToken())).json;
    expect((await earnings()).pending).toBe(400);
    await webhook({ id: `evt_${randomUUID()}`, type: 'dispute.created', payment_id: pay });
    expect(await balance(u)).toBe(0);
    expect((await earnings()).pending).toBe(0);
    await webhook({ id: `evt_${randomUUID()}`, type: 'dispute.won', payment_id: pay });
    expect(await balance(u)).toBe(50);
    expect(await status(co.purchaseId)).toBe('succeeded');
    expect((await earnings()).pending).toBe(400);
  });

  it('the tip note is part of the Idempotency-Key fingerprint', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorId = (await creator.api.me()).real_profile!.id;
    const u = await signIn(server);
    const co = await checkout(u);
    await paid(co.checkoutId, `pay_${randomUUID()}`);
    const key = randomUUID();
    const tip = (note: string) =>
      call(
        server,
        'POST',
        '/api/tips',
        u.accessToken(),
        { creator_id: creatorId, amount: 5, note },
        {
          'idempotency-key': key,
        },
      );
    expect((await tip('first')).json.replayed).toBe(false);
    expect((await tip('first')).json.replayed).toBe(true);
    const changed = await tip('second');
    expect(changed.status).toBe(409);
    expect(changed.json.error.code).toBe('idempotency_key_reused');
    expect(await balance(u)).toBe(545);
  });

  it('creators send paid messages through the API; others get 403 and unknown fields 400', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const fan = await signIn(server);
    const co = await checkout(fan);
    await paid(co.checkoutId, `pay_${randomUUID()}`);
    const fanId = (await fan.api.me()).real_profile!.id;
    const conv = await call(server, 'POST', '/api/conversations', creator.accessToken(), {
      profile_id: fanId,
    });
    expect(conv.status).toBe(200);
    const send = (who: TestUser, body: unknown) =>
      call(server, 'POST', `/api/conversations/${conv.json.id}/messages`, who.accessToken(), body);
    const sent = await send(creator, { body: 'a paid voice note', price_coins: 12 });
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ price_coins: 12, locked: false, body: 'a paid voice note' });
    const { rows } = await server.db.driver.query<{ price_coins: string }>(
      'select price_coins::text from messages where id = $1',
      [sent.json.id],
    );
    expect(rows[0]!.price_coins).toBe('12');
    // The fan sees it locked until paying once.
    const list = async () =>
      (await call(server, 'GET', `/api/conversations/${conv.json.id}/messages`, fan.accessToken())).json
        .items;
    expect((await list()).find((m: { id: string }) => m.id === sent.json.id)).toMatchObject({
      locked: true,
      body: '',
      price_coins: 12,
    });
    const unlock = await call(
      server,
      'POST',
      `/api/messages/${sent.json.id}/unlock`,
      fan.accessToken(),
      undefined,
      {
        'idempotency-key': randomUUID(),
      },
    );
    expect(unlock.json).toMatchObject({ replayed: false, balance: 538 });
    expect((await list()).find((m: { id: string }) => m.id === sent.json.id)).toMatchObject({
      locked: false,
      body: 'a paid voice note',
    });
    // A fan (not a creator) cannot price a message; an unknown field is an error, never dropped.
    const refused = await send(fan, { body: 'pay me', price_coins: 5 });
    expect(refused.status).toBe(403);
    const unknown = await send(creator, { body: 'hi', price: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('validation_failed');
    expect((await send(creator, { body: 'x', price_coins: 0 })).status).toBe(400);
  });

  it('a paid message in a no-trace conversation is sealed at rest, locked for the fan and opens once paid', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const fan = await signIn(server);
    const co = await checkout(fan);
    await paid(co.checkoutId, `pay_${randomUUID()}`);
    const fanId = (await fan.api.me()).real_profile!.id;
    const conv = (
      await call(server, 'POST', '/api/conversations', creator.accessToken(), { profile_id: fanId })
    ).json.id as string;
    expect(
      (await call(server, 'PUT', `/api/conversations/${conv}/timer`, creator.accessToken(), { timer: '1h' }))
        .status,
    ).toBe(200);
    const secret = `sealed paid note ${randomUUID()}`;
    const sent = await call(server, 'POST', `/api/conversations/${conv}/messages`, creator.accessToken(), {
      body: secret,
      price_coins: 7,
    });
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ price_coins: 7, body: secret });
    // Stored as ciphertext with its window key, like every timed message, and priced.
    const { rows } = await server.db.driver.query<{ body: string; sealed: boolean; price: string }>(
      'select body, body_sealed is not null as sealed, price_coins::text as price from messages where id = $1',
      [sent.json.id],
    );
    expect(rows[0]).toEqual({ body: '', sealed: true, price: '7' });
    const mine = async () =>
      (await call(server, 'GET', `/api/conversations/${conv}/messages`, fan.accessToken())).json.items.find(
        (m: { id: string }) => m.id === sent.json.id,
      );
    expect(await mine()).toMatchObject({ locked: true, body: '' });
    const unlock = await call(
      server,
      'POST',
      `/api/messages/${sent.json.id}/unlock`,
      fan.accessToken(),
      undefined,
      {
        'idempotency-key': randomUUID(),
      },
    );
    expect(unlock.status).toBe(200);
    expect(await mine()).toMatchObject({ locked: false, body: secret });
    // Fans still cannot price a message here either.
    const refused = await call(server, 'POST', `/api/conversations/${conv}/messages`, fan.accessToken(), {
      body: 'pay me',
      price_coins: 5,
    });
    expect(refused.status).toBe(403);
  });

  it('the state machine refuses every illegal transition, whoever updates the row', async () => {
    const u = await signIn(server);
    const results: string[] = [];
    for (const from of STATES) {
      for (const to of STATES) {
        if (from === to) continue;
        const id = await server.db.service('test:purchase', async (tx) => {
          const { rows } = await tx.query<{ id: string }>(
            `insert into coin_purchases (user_id, package_id, provider, status, amount_minor, currency, coins)
             values ($1, $2, 'local', 'pending', 999, 'USD', 550) returning id`,
            [u.userId, packageId],
          );
          for (const step of PATH[from])
            await tx.query('update coin_purchases set status = $2 where id = $1', [rows[0]!.id, step]);
          return rows[0]!.id;
        });
        const outcome = await server.db
          .service('test:transition', (tx) =>
            tx.query('update coin_purchases set status = $2 where id = $1', [id, to]),
          )
          .then(
            () => 'allowed',
            (err: { code?: string; message?: string }) =>
              err.code === '23514' && /illegal purchase transition/.test(err.message ?? '')
                ? 'refused'
                : 'error',
          );
        expect(outcome, `${from} -> ${to}`).toBe(LEGAL.has(`${from}>${to}`) ? 'allowed' : 'refused');
        results.push(`${from}>${to}:${outcome}`);
      }
    }
    expect(results).toHaveLength(STATES.length * (STATES.length - 1));
    // The table the trigger reads is exactly this list.
    const { rows } = await server.db.driver.query<{ t: string }>(
      `select from_status || '>' || to_status as t from coin_purchase_transitions`,
    );
    expect(new Set(rows.map((r) => r.t))).toEqual(LEGAL);
    // A purchase starts pending; refunded, failed and expired ones can never become credited.
    const inserted = await server.db
      .service('test:insert', (tx) =>
        tx.query(
          `insert into coin_purchases (user_id, package_id, provider, status, amount_minor, currency, coins)
           values ($1, $2, 'local', 'succeeded', 999, 'USD', 550)`,
          [u.userId, packageId],
        ),
      )
      .then(
        () => 'allowed',
        () => 'refused',
      );
    expect(inserted).toBe('refused');
    for (const s of ['refunded', 'failed', 'expired', 'blocked', 'rejected'])
      expect(LEGAL.has(`${s}>succeeded`)).toBe(false);
  });
});
