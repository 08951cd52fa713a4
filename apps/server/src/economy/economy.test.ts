import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { ledgerViolations, releaseEarnings, renewSubscriptions } from './economy.service.ts';

const key = () => `k-${randomUUID()}`;
const DAY = 24 * 60 * 60_000;

describe.each(dbTargets())('coin economy (%s)', (target) => {
  let server: TestServer;
  let packageId: string;
  let creator: TestUser;
  let creatorId: string;

  /** Credits coins the way a verified provider webhook does (local provider, unique payment id). */
  async function fund(u: TestUser, coins: number) {
    const pkg = await server.db.service('test:package', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
        [`test_${coins}_${randomUUID().slice(0, 8)}`, coins],
      );
      return rows[0]!.id;
    });
    const externalId = `pay_${randomUUID()}`;
    await server.db.service('test:credit', (tx) =>
      tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
        externalId,
        u.userId,
        pkg,
      ]),
    );
    return externalId;
  }
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const spend = (u: TestUser, path: string, body: unknown, k = key()) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${u.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': k,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => {
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
      const out = { status: r.status, json: (await r.json()) as Record<string, any> };
      if (process.env.DEBUG_SPEND) console.log(path, out.status, JSON.stringify(out.json));
      return out;
    });

  beforeAll(async () => {
    server = await startTestServer(target);
    creator = await signIn(server);
    await makeCreator(creator);
    creatorId = (await creator.api.me()).real_profile!.id;
    packageId = randomUUID();
    void packageId;
  });
  afterEach(async () => {
    // The books must balance after every test.
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('credits a purchase exactly once, however often the webhook repeats', async () => {
    const fan = await signIn(server);
    const ext = await fund(fan, 100);
    const pkg = await server.db.driver.query<{ package_id: string }>(
      'select package_id from coin_purchases where external_id = $1',
      [ext],
    );
    for (let i = 0; i < 3; i++) {
      const r = await server.db.service('test:replay', (tx) =>
        tx.query<{ replayed: boolean }>(
          `select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`,
          [ext, fan.userId, pkg.rows[0]!.package_id],
        ),
      );
      expect(r.rows[0]!.replayed).toBe(true);
    }
    expect(await balance(fan)).toBe(100);
  });

  it('unlocks a PPV post once, splitting 80/20 between creator and platform', async () => {
    const fan = await signIn(server);
    await fund(fan, 100);
    const post = await creator.api.createPost({ body: 'paid words', visibility: 'ppv', price_coins: 30 });
    const k = key();
    const first = await spend(fan, `/api/posts/${post.id}/unlock`, undefined, k);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ replayed: false, balance: 70 });
    const same = await spend(fan, `/api/posts/${post.id}/unlock`, undefined, k);
    expect(same.json).toMatchObject({
      replayed: true,
      balance: 70,
      transaction_id: first.json.transaction_id,
    });
    const otherKey = await spend(fan, `/api/posts/${post.id}/unlock`, undefined);
    expect(otherKey.json).toMatchObject({ replayed: true, balance: 70 });
    const read = await fan.api.post(post.id);
    expect(read).toMatchObject({ body: 'paid words', unlocked: true });
    // Every answer carries the post exactly as GET /posts/{id} now reads it (clients patch their caches).
    expect(first.json.post).toEqual(read);
    expect(same.json.post).toEqual(read);
    const typed = await fan.api.unlockPost(post.id, k);
    expect(typed).toMatchObject({ replayed: true, transaction_id: first.json.transaction_id, post: read });
    const earnings = (await call(server, 'GET', '/api/earnings', creator.accessToken())).json;
    expect(earnings.pending).toBeGreaterThanOrEqual(24);
    const fee = await server.db.driver.query<{ meta: { fee: number; amount: number } }>(
      'select meta from ledger_transactions where id = $1',
      [first.json.transaction_id],
    );
    expect(fee.rows[0]!.meta).toMatchObject({ fee: 6, amount: 30 });
  });

  it('refuses to overdraw and leaves nothing behind', async () => {
    const fan = await signIn(server);
    await fund(fan, 10);
    const post = await creator.api.createPost({ body: 'too dear', visibility: 'ppv', price_coins: 11 });
    const r = await spend(fan, `/api/posts/${post.id}/unlock`, undefined);
    expect(r.status).toBe(402);
    expect(r.json.error.code).toBe('insufficient_funds');
    expect(await balance(fan)).toBe(10);
    const unlocks = await server.db.driver.query('select 1 from ppv_unlocks where post_id = $1', [post.id]);
    expect(unlocks.rows).toHaveLength(0);
  });

  it('requires an Idempotency-Key and refuses one reused for a different request', async () => {
    const fan = await signIn(server);
    await fund(fan, 50);
    const missing = await call(server, 'POST', '/api/tips', fan.accessToken(), {
      creator_id: creatorId,
      amount: 1,
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.details.fields[0].path).toBe('idempotency-key');
    const k = key();
    expect((await spend(fan, '/api/tips', { creator_id: creatorId, amount: 5 }, k)).status).toBe(200);
    const reused = await spend(fan, '/api/tips', { creator_id: creatorId, amount: 7 }, k);
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('idempotency_key_reused');
    expect(await balance(fan)).toBe(45);
  });

  it('sends tips, validates amounts and refuses tipping your own other persona', async () => {
    const fan = await signIn(server);
    await fund(fan, 20);
    expect(
      (await spend(fan, '/api/tips', { creator_id: creatorId, amount: 0 })).json.error.details.fields[0].path,
    ).toBe('amount');
    const ok = await spend(fan, '/api/tips', { creator_id: creatorId, amount: 20, note: 'teşekkürler' });
    expect(ok.json.balance).toBe(0);
    expect((await spend(fan, '/api/tips', { creator_id: creatorId, amount: 1 })).status).toBe(402);
    await fund(creator, 10);
    await switchTo(creator, 'shadow');
    const self = await spend(creator, '/api/tips', { creator_id: creatorId, amount: 1 });
    expect(self.status).toBe(400);
    await switchTo(creator, 'real');
  });

  it('shows each persona only its own spending in the shared wallet', async () => {
    const fan = await signIn(server);
    await fund(fan, 40);
    await spend(fan, '/api/tips', { creator_id: creatorId, amount: 3 });
    await switchTo(fan, 'shadow');
    await spend(fan, '/api/tips', { creator_id: creatorId, amount: 4 });
    const shadowWallet = (await call(server, 'GET', '/api/wallet', fan.accessToken())).json;
    expect(shadowWallet.balance).toBe(33);
    expect(shadowWallet.history.map((h: { amount: number }) => h.amount).sort()).toEqual([-4, 40]);
    await switchTo(fan, 'real');
    const realWallet = (await call(server, 'GET', '/api/wallet', fan.accessToken())).json;
    expect(realWallet.history.map((h: { amount: number }) => h.amount).sort()).toEqual([-3, 40]);
  });

  it('reverses a refunded purchase into debt, blocks spending and opens a fraud review', async () => {
    const fan = await signIn(server);
    const ext = await fund(fan, 50);
    const tip = (await spend(fan, '/api/tips', { creator_id: creatorId, amount: 30 })).json;
    // After the hold window the creator keeps the earnings (decision 013): the wallet carries the debt.
    await server.db.service('test:release', async (tx) => {
      await tx.query(
        `update creator_earnings set available_at = now() - interval '1 minute' where transaction_id = $1`,
        [tip.transaction_id],
      );
      await tx.query('select public.release_earnings(now())');
    });
    const r = await server.db.service('test:refund', (tx) =>
      tx.query<{ wallet_balance: string }>(`select * from reverse_coin_purchase('local', $1, 'refund')`, [
        ext,
      ]),
    );
    expect(Number(r.rows[0]!.wallet_balance)).toBe(-30);
    const again = await server.db.service('test:refund', (tx) =>
      tx.query<{ replayed: boolean }>(`select * from reverse_coin_purchase('local', $1, 'refund')`, [ext]),
    );
    expect(again.rows[0]!.replayed).toBe(true);
    const wallet = (await call(server, 'GET', '/api/wallet', fan.accessToken())).json;
    expect(wallet).toMatchObject({ balance: -30, in_debt: true });
    const blocked = await spend(fan, '/api/tips', { creator_id: creatorId, amount: 1 });
    expect(blocked.status).toBe(402);
    expect(blocked.json.error.code).toBe('wallet_in_debt');
    const cases = await server.db.driver.query<{ outcome: string }>(
      'select outcome from fraud_cases where user_id = $1',
      [fan.userId],
    );
    expect(cases.rows.map((c) => c.outcome)).toEqual(['review']);
    // Repaying the debt with a new purchase makes spending possible again.
    await fund(fan, 40);
    expect((await spend(fan, '/api/tips', { creator_id: creatorId, amount: 5 })).json.balance).toBe(5);
  });

  it('a renewal from a wallet in debt goes past due instead of failing the whole run', async () => {
    const c5 = await signIn(server);
    await makeCreator(c5);
    const tier = (
      await call(server, 'POST', '/api/tiers', c5.accessToken(), { name: 'Silver', price_coins: 10 })
    ).json;
    const fan = await signIn(server);
    const ext = await fund(fan, 30);
    expect((await spend(fan, '/api/subscriptions', { tier_id: tier.id })).json.subscription.status).toBe(
      'active',
    );
    await server.db.service('test:refund', (tx) =>
      tx.query(`select * from reverse_coin_purchase('local', $1, 'chargeback')`, [ext]),
    );
    const r = await renewSubscriptions(server.db, new Date(Date.now() + 32 * DAY));
    expect(r.past_due).toBeGreaterThanOrEqual(1);
    const s = (await call(server, 'GET', '/api/subscriptions', fan.accessToken())).json.items[0];
    expect(s.status).toBe('past_due');
  });

  it('charges a paid message once, only to a member of the conversation', async () => {
    const fan = await signIn(server);
    await fund(fan, 20);
    const fanPersona = (await fan.api.me()).real_profile!.id;
    const outsider = await signIn(server);
    await fund(outsider, 20);
    const messageId = await server.db.service('test:paid-message', async (tx) => {
      const conv = (
        await tx.query<{ id: string }>(`insert into conversations (kind) values ('real') returning id`)
      ).rows[0]!.id;
      await tx.query(
        'insert into conversation_members (conversation_id, profile_id) values ($1, $2), ($1, $3)',
        [conv, creatorId, fanPersona],
      );
      const { rows } = await tx.query<{ id: string }>(
        `insert into messages (conversation_id, sender_id, body, price_coins) values ($1, $2, 'a paid voice note', 12) returning id`,
        [conv, creatorId],
      );
      return rows[0]!.id;
    });
    const first = await spend(fan, `/api/messages/${messageId}/unlock`, undefined);
    expect(first.json).toMatchObject({ replayed: false, balance: 8 });
    const again = await spend(fan, `/api/messages/${messageId}/unlock`, undefined);
    expect(again.json).toMatchObject({ replayed: true, balance: 8 });
    // Someone outside the conversation cannot even learn that the message exists.
    const outside = await spend(outsider, `/api/messages/${messageId}/unlock`, undefined);
    expect(outside.status).toBe(404);
    expect(await balance(outsider)).toBe(20);
  });

  it('makes earnings available after the hold period', async () => {
    const c2 = await signIn(server);
    await makeCreator(c2);
    const fan = await signIn(server);
    await fund(fan, 100);
    await spend(fan, '/api/tips', { creator_id: (await c2.api.me()).real_profile!.id, amount: 100 });
    expect((await call(server, 'GET', '/api/earnings', c2.accessToken())).json).toMatchObject({
      pending: 80,
      available: 0,
    });
    await releaseEarnings(server.db, new Date(Date.now() + 6 * DAY));
    expect((await call(server, 'GET', '/api/earnings', c2.accessToken())).json).toMatchObject({
      pending: 80,
      available: 0,
    });
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    expect((await call(server, 'GET', '/api/earnings', c2.accessToken())).json).toMatchObject({
      pending: 0,
      available: 80,
    });
  });

  it('runs subscriptions over simulated months: trial, renewal, grace, expiry and cancellation', async () => {
    const c3 = await signIn(server);
    await makeCreator(c3);
    const tier = (
      await call(server, 'POST', '/api/tiers', c3.accessToken(), {
        name: 'Gold',
        price_coins: 30,
        trial_days: 7,
      })
    ).json;
    const exclusive = await c3.api.createPost({ body: 'members only', visibility: 'subscribers' });
    const fan = await signIn(server);
    await fund(fan, 70);
    const sub = await spend(fan, '/api/subscriptions', { tier_id: tier.id });
    expect(sub.json.subscription.status).toBe('trialing');
    expect(sub.json.balance).toBe(70);
    expect((await fan.api.post(exclusive.id)).unlocked).toBe(true);

    const at = (days: number) => new Date(Date.now() + days * DAY);
    await renewSubscriptions(server.db, at(8)); // trial over: first paid month
    let s = (await call(server, 'GET', '/api/subscriptions', fan.accessToken())).json.items[0];
    expect(s.status).toBe('active');
    expect(await balance(fan)).toBe(40);
    await renewSubscriptions(server.db, at(8)); // same clock again: no double charge
    expect(await balance(fan)).toBe(40);
    await renewSubscriptions(server.db, at(40)); // second month
    expect(await balance(fan)).toBe(10);
    await renewSubscriptions(server.db, at(70)); // third month: not enough coins → past due with grace
    s = (await call(server, 'GET', '/api/subscriptions', fan.accessToken())).json.items[0];
    expect(s.status).toBe('past_due');
    expect(s.grace_until).not.toBeNull();
    await renewSubscriptions(server.db, at(90)); // grace over: expired, access revoked
    s = (await call(server, 'GET', '/api/subscriptions', fan.accessToken())).json.items[0];
    expect(s.status).toBe('expired');
    expect((await fan.api.post(exclusive.id)).unlocked).toBe(false);

    // Resubscribing charges at once (the trial was used) and cancelling keeps access to the period end.
    await fund(fan, 30);
    const again = await spend(fan, '/api/subscriptions', { tier_id: tier.id });
    expect(again.json.subscription.status).toBe('active');
    expect(again.json.balance).toBe(10);
    const cancelled = (
      await call(
        server,
        'DELETE',
        `/api/subscriptions/${(await c3.api.me()).real_profile!.id}`,
        fan.accessToken(),
      )
    ).json;
    expect(cancelled.cancel_at_period_end).toBe(true);
    expect((await fan.api.post(exclusive.id)).unlocked).toBe(true);
    await renewSubscriptions(server.db, at(35));
    s = (await call(server, 'GET', '/api/subscriptions', fan.accessToken())).json.items[0];
    expect(s.status).toBe('expired');
    expect(await balance(fan)).toBe(10);
  });

  it('a database error half-way through a spend leaves no partial state', async () => {
    const fan = await signIn(server);
    await fund(fan, 25);
    const post = await creator.api.createPost({ body: 'fragile', visibility: 'ppv', price_coins: 5 });
    await server.db.driver.exec(`
      create function public.test_fail_unlock() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$;
      create trigger test_fail_unlock before insert on public.ppv_unlocks for each row execute function public.test_fail_unlock();`);
    try {
      const r = await spend(fan, `/api/posts/${post.id}/unlock`, undefined);
      expect(r.status).toBe(500);
    } finally {
      await server.db.driver.exec(
        'drop trigger test_fail_unlock on public.ppv_unlocks; drop function public.test_fail_unlock();',
      );
    }
    expect(await balance(fan)).toBe(25);
    const txs = await server.db.driver.query(
      `select 1 from ledger_transactions where meta ->> 'post_id' = $1`,
      [post.id],
    );
    expect(txs.rows).toHaveLength(0);
    const earn = await server.db.driver.query(
      `select 1 from creator_earnings e join ledger_transactions t on t.id = e.transaction_id where t.meta ->> 'post_id' = $1`,
      [post.id],
    );
    expect(earn.rows).toHaveLength(0);
  });

  it('200 concurrent spends against one wallet never overdraw, lose or create a coin', async () => {
    const fan = await signIn(server);
    await fund(fan, 120);
    const claims = claimsOf(fan);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        server.db.asUser(claims, (tx) =>
          tx.query('select * from public.send_tip($1, 1, $2, $3)', [creatorId, '', key()]),
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'IP402',
    ).length;
    expect(ok).toBe(120);
    expect(refused).toBe(80);
    expect(await balance(fan)).toBe(0);
  });

  it('200 concurrent tips into one creator all count', async () => {
    const c4 = await signIn(server);
    await makeCreator(c4);
    const target = (await c4.api.me()).real_profile!.id;
    const fans = await Promise.all(Array.from({ length: 20 }, () => signIn(server)));
    for (const f of fans) await fund(f, 10);
    const results = await Promise.allSettled(
      fans.flatMap((f) =>
        Array.from({ length: 10 }, () =>
          server.db.asUser(claimsOf(f), (tx) =>
            tx.query('select * from public.send_tip($1, 5, $2, $3)', [target, '', key()]),
          ),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
    // 20 fans × 10 coins = 200 coins spent as 40 tips of 5; 80% reaches the creator.
    expect((await call(server, 'GET', '/api/earnings', c4.accessToken())).json.pending).toBe(160);
  });
});
