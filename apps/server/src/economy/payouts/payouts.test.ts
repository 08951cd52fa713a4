import { randomUUID } from 'node:crypto';
import type { Payout } from '@ipelya/contracts';
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
} from '../../../test/harness.ts';
import { ledgerViolations, releaseEarnings } from '../economy.service.ts';
import { type PayoutProvider, type PayoutTransfer, PayoutTransferError } from './payout-provider.ts';
import { PayoutProviders } from './payout-providers.ts';
import { processPayouts, schedulePayouts } from './payouts.service.ts';

const DAY = 24 * 60 * 60_000;
const MIN = 60_000;
const local = new PayoutProviders();

describe.each(dbTargets())('creator payouts (%s)', (target) => {
  let server: TestServer;
  let admin: TestUser;

  async function fund(u: TestUser, coins: number) {
    await server.db.service('test:fund', async (tx) => {
      const pkg = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
        [`po_${randomUUID().slice(0, 12)}`, coins],
      );
      await tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
        `pay_${randomUUID()}`,
        u.userId,
        pkg.rows[0]!.id,
      ]);
    });
  }
  async function tip(from: TestUser, creatorId: string, amount: number) {
    const r = await fetch(`${server.url}/api/tips`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${from.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': `k-${randomUUID()}`,
      },
      body: JSON.stringify({ creator_id: creatorId, amount }),
    });
    expect(r.status).toBe(200);
  }
  /** A creator whose tips (net of the 20% fee) add up to `net` coins, still on hold. */
  async function creatorEarning(net: number) {
    const c = await signIn(server);
    await makeCreator(c);
    const id = (await c.api.me()).real_profile!.id;
    if (net > 0) {
      const fan = await signIn(server);
      await fund(fan, (net * 5) / 4);
      await tip(fan, id, (net * 5) / 4);
    }
    return { user: c, id };
  }
  const earnings = async (u: TestUser) => (await call(server, 'GET', '/api/earnings', u.accessToken())).json;
  const payoutsOf = async (u: TestUser) => {
    const r = await call(server, 'GET', '/api/payouts', u.accessToken());
    expect(r.status).toBe(200);
    return r.json.items as Payout[];
  };
  const approve = (u: TestUser, id: string) =>
    call(server, 'POST', `/api/admin/payouts/${id}/approve`, u.accessToken());

  beforeAll(async () => {
    server = await startTestServer(target);
    admin = await signIn(server);
    await server.db.service('test:admin', (tx) =>
      tx.query('update accounts set is_admin = true where user_id = $1', [admin.userId]),
    );
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('earnings → release → weekly payout → admin approval of the first payout → paid, every step visible', async () => {
    const { user: creator } = await creatorEarning(1200);
    const t0 = Date.now();
    // Still on hold: nothing to pay out.
    await schedulePayouts(server.db, new Date(t0 + DAY));
    expect(await payoutsOf(creator)).toEqual([]);
    await releaseEarnings(server.db, new Date(t0 + 8 * DAY));
    expect(await earnings(creator)).toMatchObject({ pending: 0, available: 1200, in_payout: 0 });

    await schedulePayouts(server.db, new Date(t0 + 8 * DAY));
    let [payout] = await payoutsOf(creator);
    expect(payout).toMatchObject({
      status: 'awaiting_approval',
      approval_reason: 'first_payout',
      amount_coins: 1200,
      amount_minor: 1200, // 1 US cent per coin
      currency: 'USD',
      provider: 'local',
    });
    expect(await earnings(creator)).toMatchObject({ available: 0, in_payout: 1200 });

    // Waiting for an admin: processing leaves it alone.
    await processPayouts(server.db, local, new Date(t0 + 8 * DAY));
    expect((await payoutsOf(creator))[0]!.status).toBe('awaiting_approval');

    const queue = await call(
      server,
      'GET',
      '/api/admin/payouts?status=awaiting_approval',
      admin.accessToken(),
    );
    expect(queue.status).toBe(200);
    expect(queue.json.items.map((p: { id: string }) => p.id)).toContain(payout!.id);
    const ok = await approve(admin, payout!.id);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: 'scheduled', approval_reason: 'first_payout' });
    expect((await approve(admin, payout!.id)).json.status).toBe('scheduled'); // twice is a no-op

    const r = await processPayouts(server.db, local, new Date(t0 + 8 * DAY + MIN));
    expect(r.paid).toBeGreaterThanOrEqual(1);
    [payout] = await payoutsOf(creator);
    expect(payout).toMatchObject({ status: 'paid', attempts: 0 });
    expect(payout!.external_id).toMatch(/^local_po_/);
    expect(payout!.events.map((e: { status: string }) => e.status)).toEqual([
      'awaiting_approval',
      'scheduled',
      'processing',
      'paid',
    ]);
    expect(await earnings(creator)).toMatchObject({ pending: 0, available: 0, in_payout: 0 });
    // Processing again pays nothing twice.
    await processPayouts(server.db, local, new Date(t0 + 8 * DAY + 2 * MIN));
    const paidTx = await server.db.driver.query(
      `select 1 from ledger_transactions where kind = 'payout_paid' and meta ->> 'payout_id' = $1`,
      [payout!.id],
    );
    expect(paidTx.rows).toHaveLength(1);

    // The next payout of the same creator needs no approval (below the large threshold).
    const fan = await signIn(server);
    await fund(fan, 1500);
    await tip(fan, (await creator.api.me()).real_profile!.id, 1500);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    await schedulePayouts(server.db, new Date(t0 + 15 * DAY));
    const [second] = await payoutsOf(creator);
    expect(second).toMatchObject({ status: 'scheduled', approval_reason: null, amount_coins: 1200 });
    await processPayouts(server.db, local, new Date(t0 + 15 * DAY));
    expect((await payoutsOf(creator))[0]!.status).toBe('paid');
  });

  it('large payouts wait for approval too', async () => {
    const { user: creator, id } = await creatorEarning(1000);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    const week = new Date(Date.now() + 8 * DAY);
    await schedulePayouts(server.db, week);
    const [first] = await payoutsOf(creator);
    expect((await approve(admin, first!.id)).status).toBe(200);
    await processPayouts(server.db, local, week);
    // A big week: 100000+ coins.
    const fans = [await signIn(server), await signIn(server)];
    for (const f of fans) {
      await fund(f, 62_500);
      await tip(f, id, 62_500);
    }
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    await schedulePayouts(server.db, new Date(week.getTime() + 7 * DAY));
    expect((await payoutsOf(creator))[0]).toMatchObject({
      status: 'awaiting_approval',
      approval_reason: 'large_payout',
      amount_coins: 100_000,
    });
  });

  it('creators below the minimum get no payout', async () => {
    const { user: creator } = await creatorEarning(800);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    expect(await earnings(creator)).toMatchObject({ available: 800 });
    await schedulePayouts(server.db, new Date(Date.now() + 8 * DAY));
    expect(await payoutsOf(creator)).toEqual([]);
    expect(await earnings(creator)).toMatchObject({ available: 800, in_payout: 0 });
  });

  it('running the schedule twice in one week creates nothing new', async () => {
    const { user: creator, id } = await creatorEarning(1000);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    const monday = new Date(Date.now() + 8 * DAY);
    await schedulePayouts(server.db, monday);
    await schedulePayouts(server.db, new Date(monday.getTime() + 60 * MIN));
    const list = await payoutsOf(creator);
    expect(list).toHaveLength(1);
    expect((await approve(admin, list[0]!.id)).status).toBe(200);
    await processPayouts(server.db, local, monday);
    // New earnings the same week wait for next week's payout.
    const fan = await signIn(server);
    await fund(fan, 1250);
    await tip(fan, id, 1250);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    await schedulePayouts(server.db, monday);
    expect(await payoutsOf(creator)).toHaveLength(1);
    expect(await earnings(creator)).toMatchObject({ available: 1000, in_payout: 0 });
    const keys = await server.db.driver.query(
      `select count(*)::int as n from ledger_transactions where kind = 'payout_scheduled' and meta ->> 'creator_id' = $1`,
      [id],
    );
    expect(keys.rows[0]).toEqual({ n: 1 });
  });

  it('a failing provider is retried with backoff, then the payout fails for good and the coins come back', async () => {
    const { user: creator } = await creatorEarning(1000);
    const put = await call(server, 'PUT', '/api/payout-account', creator.accessToken(), {
      provider: 'stripe',
      account_id: 'acct_1TestCreator',
    });
    expect(put.status).toBe(200);
    const seen: PayoutTransfer[] = [];
    const failing: PayoutProvider = {
      name: 'stripe',
      configured: true,
      async transfer(p) {
        seen.push(p);
        // First an ambiguous failure (timeout), then refusals.
        throw new PayoutTransferError(
          seen.length === 1 ? 'timeout' : 'stripe: insufficient_funds',
          seen.length > 1,
        );
      },
    };
    const providers = new PayoutProviders([failing]);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    const t0 = Date.now() + 8 * DAY;
    await schedulePayouts(server.db, new Date(t0));
    const [p] = await payoutsOf(creator);
    expect(p).toMatchObject({ provider: 'stripe', status: 'awaiting_approval' });
    await approve(admin, p!.id);

    let at = t0;
    const delays = [30, 60, 120, 240];
    for (const [i, delay] of delays.entries()) {
      await processPayouts(server.db, providers, new Date(at));
      const cur = (await payoutsOf(creator))[0]!;
      expect(cur).toMatchObject({ status: 'failed', attempts: i + 1 });
      expect(Date.parse(cur.next_attempt_at!)).toBe(at + delay * MIN);
      // Not due yet: nothing happens.
      await processPayouts(server.db, providers, new Date(at + delay * MIN - MIN));
      expect((await payoutsOf(creator))[0]!.attempts).toBe(i + 1);
      at += delay * MIN;
    }
    await processPayouts(server.db, providers, new Date(at));
    const final = (await payoutsOf(creator))[0]!;
    expect(final).toMatchObject({ status: 'failed', attempts: 5, next_attempt_at: null });
    expect(final.last_error).toMatch(/insufficient_funds/);
    expect(final.events.at(-1)!.note).toMatch(/coins returned/);
    expect(await earnings(creator)).toMatchObject({ available: 1000, in_payout: 0 });
    // The ambiguous failure reused its key; each refusal moved to a new one.
    expect(seen.map((s) => s.idempotencyKey.split('-').at(-1))).toEqual(['0', '0', '1', '2', '3']);
    expect(seen[0]).toMatchObject({ destination: 'acct_1TestCreator', amountMinor: 1000, currency: 'USD' });
    // Failed for good: never retried again; next week's schedule pays the returned coins.
    await processPayouts(server.db, providers, new Date(at + 10 * DAY));
    expect(seen).toHaveLength(5);
    await schedulePayouts(server.db, new Date(t0 + 7 * DAY));
    const again = await payoutsOf(creator);
    expect(again).toHaveLength(2);
    expect(again[0]).toMatchObject({ status: 'awaiting_approval', amount_coins: 1000 });
  });

  it('a creator sees only their own payouts, and a non-admin cannot approve or list them', async () => {
    const { user: a } = await creatorEarning(1000);
    const { user: b } = await creatorEarning(0);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));
    await schedulePayouts(server.db, new Date(Date.now() + 8 * DAY));
    const [pa] = await payoutsOf(a);
    expect(pa).toBeDefined();
    expect(await payoutsOf(b)).toEqual([]);
    const eventsAs = async (who: TestUser) =>
      (
        await server.db.asUser(claimsOf(who), (tx) =>
          tx.query('select * from payout_events where payout_id = $1', [pa!.id]),
        )
      ).rows.length;
    expect(await eventsAs(b)).toBe(0);
    expect(await eventsAs(a)).toBeGreaterThan(0);
    const seenByB = await server.db.asUser(claimsOf(b), (tx) =>
      tx.query('select * from payouts where id = $1', [pa!.id]),
    );
    expect(seenByB.rows).toHaveLength(0);
    // A's own shadow persona is another persona: it does not see the real persona's payouts either.
    await switchTo(a, 'shadow');
    expect(await payoutsOf(a)).toEqual([]);
    await switchTo(a, 'real');

    for (const who of [a, b]) {
      const r = await approve(who, pa!.id);
      expect(r.status).toBe(403);
      expect((await call(server, 'GET', '/api/admin/payouts', who.accessToken())).status).toBe(403);
    }
    // Not even by naming an admin as the approver.
    const forged = await server.db
      .asUser(claimsOf(b), (tx) => tx.query('select public.approve_payout($1, $2)', [pa!.id, admin.userId]))
      .then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
    expect(forged).toBe('42501');
    expect((await payoutsOf(a))[0]!.status).toBe('awaiting_approval');
    expect((await call(server, 'GET', '/api/payouts', null)).status).toBe(401);
  });

  it('validates the payout account and keeps it private', async () => {
    const { user: c } = await creatorEarning(0);
    const bad = await call(server, 'PUT', '/api/payout-account', c.accessToken(), {
      provider: 'stripe',
      account_id: 'not-an-account',
    });
    expect(bad.status).toBe(400);
    const ok = await call(server, 'PUT', '/api/payout-account', c.accessToken(), {
      provider: 'iyzico',
      account_id: 'TR920086402100005482986178',
      holder_name: 'Ayşe Yılmaz',
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ provider: 'iyzico', holder_name: 'Ayşe Yılmaz' });
    const fan = await signIn(server);
    const notCreator = await call(server, 'PUT', '/api/payout-account', fan.accessToken(), {
      provider: 'local',
      account_id: 'x',
    });
    expect(notCreator.status).toBe(403);
    const peek = await server.db.asUser(claimsOf(fan), (tx) => tx.query('select * from payout_accounts'));
    expect(peek.rows).toHaveLength(0);
  });
});
