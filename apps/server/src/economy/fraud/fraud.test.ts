import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../../../test/harness.ts';
import { ledgerViolations } from '../economy.service.ts';
import { applyProviderEvents } from '../payments/payments.service.ts';

type Case = {
  id: string;
  score: number;
  outcome: string;
  status: string;
  reasons: { rule: string; score?: number; detail: string }[];
  user_id: string | null;
  profile_id: string | null;
  details: Record<string, unknown>;
};

describe.each(dbTargets())('fraud detection (%s)', (target) => {
  let server: TestServer;
  let admin: TestUser;
  const packages = new Map<number, string>();

  const packageOf = async (coins: number) => {
    if (!packages.has(coins)) {
      const id = await server.db.service('test:package', async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `insert into coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
          [`fraud_${coins}_${randomUUID().slice(0, 8)}`, coins],
        );
        return rows[0]!.id;
      });
      packages.set(coins, id);
    }
    return packages.get(coins)!;
  };

  /** A checkout the way startCheckout records it, then the provider's verified success through the pipeline. */
  async function pay(
    u: TestUser,
    opts: { coins?: number; device?: string; ip?: string; card?: string } = {},
  ) {
    const coins = opts.coins ?? 100;
    const pkg = await packageOf(coins);
    const purchaseId = await server.db.service('test:checkout', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_purchases (user_id, package_id, provider, status, amount_minor, currency, coins, checkout_id, ip, device_install_id, card_fingerprint)
         values ($1, $2, 'local', 'pending', 100, 'USD', $3, $4, $5::inet, $6, $7) returning id`,
        [
          u.userId,
          pkg,
          coins,
          `cs_test_${randomUUID()}`,
          opts.ip ?? null,
          opts.device ?? null,
          opts.card ?? null,
        ],
      );
      return rows[0]!.id;
    });
    const externalId = `pay_${randomUUID()}`;
    const outcome = await succeed(purchaseId, externalId);
    return { purchaseId, externalId, outcome };
  }
  const succeed = async (purchaseId: string, externalId: string) =>
    (
      await applyProviderEvents(
        server.db,
        'local',
        [
          {
            type: 'payment_succeeded',
            eventId: `evt_${randomUUID()}`,
            externalId,
            purchaseId,
            amountMinor: 100,
            currency: 'USD',
          },
        ],
        server.log,
      )
    ).outcomes[0]!;
  const refund = (externalId: string) =>
    applyProviderEvents(
      server.db,
      'local',
      [{ type: 'refunded', eventId: `evt_${randomUUID()}`, externalId }],
      server.log,
    );
  /** Coins credited directly (no assessment), for tip scenarios. */
  async function fund(u: TestUser, coins: number) {
    const pkg = await packageOf(coins);
    await server.db.service('test:credit', (tx) =>
      tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
        `fund_${randomUUID()}`,
        u.userId,
        pkg,
      ]),
    );
  }
  const caseOf = async (subjectId: string): Promise<Case> => {
    const { rows } = await server.db.driver.query<Case>(
      'select * from fraud_cases where subject_id = $1 order by created_at desc limit 1',
      [subjectId],
    );
    return rows[0]!;
  };
  const purchaseStatus = async (id: string) =>
    (
      await server.db.driver.query<{ status: string }>('select status from coin_purchases where id = $1', [
        id,
      ])
    ).rows[0]!.status;
  const balance = async (u: TestUser) =>
    (await call(server, 'GET', '/api/wallet', u.accessToken())).json.balance as number;
  const age = (u: TestUser, days: number) =>
    server.db.driver.query(
      `update accounts set created_at = now() - make_interval(days => $2) where user_id = $1`,
      [u.userId, days],
    );
  const tip = (u: TestUser, creatorId: string, amount: number) =>
    fetch(`${server.url}/api/tips`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${u.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': `k-${randomUUID()}`,
      },
      body: JSON.stringify({ creator_id: creatorId, amount }),
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
  /** The case recorded for the newest tip by this persona. */
  const lastSpendCase = async (personaId: string): Promise<Case> =>
    (
      await server.db.driver.query<Case>(
        `select * from fraud_cases where subject_type = 'spend' and profile_id = $1 order by created_at desc limit 1`,
        [personaId],
      )
    ).rows[0]!;
  const rules = (c: Case) => c.reasons.map((r) => r.rule);

  beforeAll(async () => {
    server = await startTestServer(target);
    admin = await signIn(server);
    await server.db.driver.query('update accounts set is_admin = true where user_id = $1', [admin.userId]);
  });
  afterEach(async () => {
    expect(await ledgerViolations(server.db)).toEqual([]);
  });
  afterAll(() => server?.dispose());

  it('velocity per user: five purchases in the hour pass quietly, the sixth is held', async () => {
    const u = await signIn(server);
    for (let i = 0; i < 5; i++) {
      const p = await pay(u);
      expect(p.outcome).toBe('credited');
      const c = await caseOf(p.purchaseId);
      expect(c).toMatchObject({ outcome: 'allow', status: 'closed', score: 0, reasons: [] });
    }
    const sixth = await pay(u);
    expect(sixth.outcome).toBe('held for fraud review');
    expect(rules(await caseOf(sixth.purchaseId))).toEqual(['velocity_user']);
    expect(await purchaseStatus(sixth.purchaseId)).toBe('held');
    expect(await balance(u)).toBe(500);
  });

  it('velocity per device: the ninth purchase from one install in the hour is held', async () => {
    const device = `dev-${randomUUID()}`;
    const users = [await signIn(server), await signIn(server), await signIn(server)];
    const outcomes: string[] = [];
    for (let i = 0; i < 9; i++) outcomes.push((await pay(users[i % 3]!, { device })).outcome);
    expect(outcomes.slice(0, 8).every((o) => o === 'credited')).toBe(true);
    expect(outcomes[8]).toBe('held for fraud review');
    const last = await server.db.driver.query<{ id: string }>(
      'select id from coin_purchases where device_install_id = $1 order by created_at desc limit 1',
      [device],
    );
    expect(rules(await caseOf(last.rows[0]!.id))).toEqual(['velocity_device']);
  });

  it('velocity per IP network (/24): public networks count, private ones never do', async () => {
    const seeder = await signIn(server);
    const pkg = await packageOf(100);
    // Twenty completed purchases from 198.51.100.0/24 and twenty-five from a private network this hour.
    await server.db.driver.query(
      `insert into coin_purchases (user_id, package_id, provider, external_id, status, amount_minor, currency, coins, ip)
       select $1::uuid, $2::uuid, 'local', 'seed_' || gen_random_uuid(), 'pending', 100, 'USD', 100, ('198.51.100.' || g)::inet
       from generate_series(1, 20) g
       union all
       select $1::uuid, $2::uuid, 'local', 'seed_' || gen_random_uuid(), 'pending', 100, 'USD', 100, ('10.1.2.' || g)::inet
       from generate_series(1, 25) g`,
      [seeder.userId, pkg],
    );
    // Purchases start pending (the state machine refuses any other insert); these completed.
    await server.db.driver.query(
      `update coin_purchases set status = 'succeeded' where user_id = $1 and external_id like 'seed\\_%'`,
      [seeder.userId],
    );
    const quiet = await pay(await signIn(server), { ip: '10.1.2.200' });
    expect(quiet.outcome).toBe('credited');
    expect(rules(await caseOf(quiet.purchaseId))).toEqual([]);
    const other = await pay(await signIn(server), { ip: '198.51.101.7' });
    expect(rules(await caseOf(other.purchaseId))).toEqual([]);
    const busy = await pay(await signIn(server), { ip: '198.51.100.77' });
    expect(busy.outcome).toBe('held for fraud review');
    expect(rules(await caseOf(busy.purchaseId))).toEqual(['velocity_ip']);
  });

  it('many accounts on one device: a fourth account is held, three are fine', async () => {
    const device = `shared-${randomUUID()}`;
    const users = await Promise.all([1, 2, 3, 4].map(() => signIn(server)));
    await server.db.driver.query(
      `insert into devices (user_id, install_id, platform) select u, $2, 'ios' from unnest($1::uuid[]) u`,
      [users.slice(0, 2).map((u) => u.userId), device],
    );
    const third = await pay(users[2]!, { device });
    expect(third.outcome).toBe('credited');
    expect(rules(await caseOf(third.purchaseId))).toEqual([]);
    const fourth = await pay(users[3]!, { device });
    expect(fourth.outcome).toBe('held for fraud review');
    const c = await caseOf(fourth.purchaseId);
    expect(rules(c)).toEqual(['shared_device']);
    expect(c.reasons[0]!.detail).toContain('4 accounts');
  });

  it('many accounts on one card fingerprint: the third account is held', async () => {
    const card = `fp_${randomUUID()}`;
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => signIn(server)));
    for (const u of [a!, b!]) {
      const p = await pay(u, { card });
      expect(p.outcome).toBe('credited');
      expect(rules(await caseOf(p.purchaseId))).toEqual([]);
    }
    const third = await pay(c!, { card });
    expect(third.outcome).toBe('held for fraud review');
    expect(rules(await caseOf(third.purchaseId))).toEqual(['shared_card']);
    expect(await balance(c!)).toBe(0);
  });

  it('refund ratio: after two refunds the next purchase is held; a clean history is not', async () => {
    const u = await signIn(server);
    for (let i = 0; i < 2; i++) {
      const p = await pay(u);
      expect(p.outcome).toBe('credited');
      await refund(p.externalId);
    }
    expect(await balance(u)).toBe(0);
    const next = await pay(u);
    expect(next.outcome).toBe('held for fraud review');
    const c = await caseOf(next.purchaseId);
    expect(rules(c)).toEqual(['refund_ratio']);
    expect(c.reasons[0]!.detail).toContain('2 of 2');

    const clean = await signIn(server);
    for (let i = 0; i < 3; i++) expect((await pay(clean)).outcome).toBe('credited');
    const last = await pay(clean);
    expect(rules(await caseOf(last.purchaseId))).toEqual([]);
  });

  it('a large purchase by a new account is held; the same by an older account is credited', async () => {
    const fresh = await signIn(server);
    const p = await pay(fresh, { coins: 5000 });
    expect(p.outcome).toBe('held for fraud review');
    expect(rules(await caseOf(p.purchaseId))).toEqual(['new_account_large_purchase']);
    const small = await pay(fresh, { coins: 100 });
    expect(small.outcome).toBe('credited');
    const old = await signIn(server);
    await age(old, 40);
    const q = await pay(old, { coins: 5000 });
    expect(q.outcome).toBe('credited');
    expect(rules(await caseOf(q.purchaseId))).toEqual([]);
    expect(await balance(old)).toBe(5000);
  });

  it('two strong signals block outright: never credited, also not on a replayed payment', async () => {
    const device = `bad-${randomUUID()}`;
    const users = await Promise.all([1, 2, 3, 4].map(() => signIn(server)));
    await server.db.driver.query(
      `insert into devices (user_id, install_id, platform) select u, $2, 'android' from unnest($1::uuid[]) u`,
      [users.slice(0, 3).map((u) => u.userId), device],
    );
    const u = users[3]!;
    const p = await pay(u, { coins: 5000, device });
    expect(p.outcome).toBe('blocked by fraud review');
    const c = await caseOf(p.purchaseId);
    expect(c).toMatchObject({ outcome: 'block', status: 'blocked' });
    expect(rules(c).sort()).toEqual(['new_account_large_purchase', 'shared_device']);
    expect(await purchaseStatus(p.purchaseId)).toBe('blocked');
    expect(await succeed(p.purchaseId, p.externalId)).toBe('blocked by fraud review');
    // An admin cannot release a decided block.
    const r = await call(server, 'POST', `/api/admin/fraud/${c.id}/release`, admin.accessToken());
    expect(r.status).toBe(409);
    expect(await balance(u)).toBe(0);
  });

  it('a held purchase is credited only when an admin releases it, exactly once', async () => {
    const u = await signIn(server);
    const p = await pay(u, { coins: 5000 });
    expect(p.outcome).toBe('held for fraud review');
    // The provider repeats the success (another event id): still held, nothing credited.
    expect(await succeed(p.purchaseId, p.externalId)).toBe('held for fraud review');
    expect(await balance(u)).toBe(0);
    const c = await caseOf(p.purchaseId);
    const list = await call(server, 'GET', '/api/admin/fraud?status=open', admin.accessToken());
    expect(list.status).toBe(200);
    const listed = list.json.items.find((i: Case) => i.id === c.id);
    expect(listed).toMatchObject({
      subject_type: 'purchase',
      outcome: 'review',
      purchase: { status: 'held', coins: 5000 },
    });
    expect(list.json.items.every((i: Case) => i.status === 'open')).toBe(true);

    // Two admins click at once: one credit.
    const [r1, r2] = await Promise.all([
      call(server, 'POST', `/api/admin/fraud/${c.id}/release`, admin.accessToken(), {
        note: 'card verified',
      }),
      call(server, 'POST', `/api/admin/fraud/${c.id}/release`, admin.accessToken()),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect([r1.json.credited, r2.json.credited].sort()).toEqual([false, true]);
    expect(r1.json.status).toBe('released');
    expect(await balance(u)).toBe(5000);
    expect(await purchaseStatus(p.purchaseId)).toBe('succeeded');
    // Later deliveries and releases change nothing.
    expect(await succeed(p.purchaseId, p.externalId)).toBe('credited');
    const again = await call(server, 'POST', `/api/admin/fraud/${c.id}/release`, admin.accessToken());
    expect(again.json.credited).toBe(false);
    expect(await balance(u)).toBe(5000);
    const audit = await server.db.driver.query<{ action: string; actor_user_id: string }>(
      `select action, actor_user_id from audit_log where target_id = $1 order by id`,
      [c.id],
    );
    expect(audit.rows.map((a) => a.action)).toEqual(['fraud.release']);
    expect(audit.rows[0]!.actor_user_id).toBe(admin.userId);
    // Released cases cannot be blocked afterwards.
    expect((await call(server, 'POST', `/api/admin/fraud/${c.id}/block`, admin.accessToken())).status).toBe(
      409,
    );
  });

  it('an admin blocks a held purchase: it is never credited; with ban the account is suspended', async () => {
    const u = await signIn(server);
    const p = await pay(u, { coins: 5000 });
    const c = await caseOf(p.purchaseId);
    const r = await call(server, 'POST', `/api/admin/fraud/${c.id}/block`, admin.accessToken(), {
      ban: true,
      note: 'stolen card',
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'blocked', banned: true, credited: false });
    expect(await purchaseStatus(p.purchaseId)).toBe('blocked');
    expect(await succeed(p.purchaseId, p.externalId)).toBe('blocked by fraud review');
    const personas = await server.db.driver.query<{ status: string }>(
      'select p.status from profiles p join persona_links l on l.profile_id = p.id where l.user_id = $1',
      [u.userId],
    );
    expect(personas.rows.map((x) => x.status)).toEqual(['suspended', 'suspended']);
    expect((await call(server, 'GET', '/api/wallet', u.accessToken())).status).toBe(401);
    const coins = await server.db.driver.query<{ n: string }>(
      `select count(*)::text as n from ledger_transactions where meta ->> 'purchase_id' = $1`,
      [p.purchaseId],
    );
    expect(coins.rows[0]!.n).toBe('0');
    const audit = await server.db.driver.query<{ action: string; meta: { note: string } }>(
      'select action, meta from audit_log where target_id = $1',
      [c.id],
    );
    expect(audit.rows).toEqual([
      { action: 'fraud.block_and_ban', meta: expect.objectContaining({ note: 'stolen card' }) },
    ]);
  });

  it('admin endpoints: non-admins get 403, anonymous 401', async () => {
    const u = await signIn(server);
    const p = await pay(u, { coins: 5000 });
    const c = await caseOf(p.purchaseId);
    expect((await call(server, 'GET', '/api/admin/fraud?status=open', u.accessToken())).status).toBe(403);
    expect((await call(server, 'POST', `/api/admin/fraud/${c.id}/release`, u.accessToken())).status).toBe(
      403,
    );
    expect((await call(server, 'POST', `/api/admin/fraud/${c.id}/block`, u.accessToken())).status).toBe(403);
    expect((await call(server, 'GET', '/api/admin/fraud', null)).status).toBe(401);
    // Users cannot call the SQL directly either, nor read the cases.
    const direct = await server.db
      .asUser(JSON.parse(Buffer.from(u.accessToken().split('.')[1]!, 'base64url').toString()), (tx) =>
        tx.query('select * from public.fraud_release($1)', [c.id]),
      )
      .catch((e: { code?: string }) => e.code);
    expect(direct).toBe('42501');
    expect(await balance(u)).toBe(0);
    expect(await purchaseStatus(p.purchaseId)).toBe('held');
    expect((await call(server, 'GET', '/api/admin/fraud?status=bogus', admin.accessToken())).status).toBe(
      400,
    );
  });

  it('self-funding: a creator paid mostly by one new account gets a review case; the tip still goes through', async () => {
    const creator = await signIn(server);
    await makeCreator(creator);
    const creatorId = (await creator.api.me()).real_profile!.id;
    const fan = await signIn(server);
    await fund(fan, 2000);
    const fanId = (await fan.api.me()).real_profile!.id;
    const small = await tip(fan, creatorId, 100);
    expect(small.status).toBe(200);
    expect(rules(await lastSpendCase(fanId))).toEqual([]); // under the minimum: nothing to judge yet
    const big = await tip(fan, creatorId, 1300);
    expect(big.status).toBe(200);
    const c = await lastSpendCase(fanId);
    expect(c).toMatchObject({ outcome: 'review', status: 'open', user_id: null });
    expect(rules(c)).toEqual(['self_funding']);

    // The same money from established accounts is ordinary support.
    const creator2 = await signIn(server);
    await makeCreator(creator2);
    const creator2Id = (await creator2.api.me()).real_profile!.id;
    const loyal = await signIn(server);
    await age(loyal, 90);
    await fund(loyal, 2000);
    expect((await tip(loyal, creator2Id, 1400)).status).toBe(200);
    const quiet = await lastSpendCase((await loyal.api.me()).real_profile!.id);
    expect(quiet).toMatchObject({ outcome: 'allow', reasons: [] });
  });

  it('tipping loops between personas are found without exposing accounts; repeated loops are refused', async () => {
    // A's real persona tips B's real creator persona; B tips back: the coins go round between two personas.
    const a = await signIn(server);
    const b = await signIn(server);
    await makeCreator(a);
    await makeCreator(b);
    const aReal = (await a.api.me()).real_profile!.id;
    const bReal = (await b.api.me()).real_profile!.id;
    await fund(a, 500);
    await fund(b, 500);

    expect((await tip(a, bReal, 10)).status).toBe(200);
    expect(rules(await lastSpendCase(aReal))).toEqual([]);
    for (let i = 0; i < 3; i++) {
      const r = await tip(b, aReal, 10);
      expect(r.status).toBe(200); // review: passes, recorded
    }
    const loop = await lastSpendCase(bReal);
    expect(loop).toMatchObject({ outcome: 'review', status: 'open', user_id: null, profile_id: bReal });
    expect(rules(loop)).toEqual(['tip_loop']);
    // The case and its reasons name personas, never the accounts behind them.
    const text = JSON.stringify(loop);
    expect(text).not.toContain(a.userId);
    expect(text).not.toContain(b.userId);
    expect(loop.details.creator_id).toBe(aReal);

    // A tips B again, the third time B's coins came back: refused.
    const before = (await call(server, 'GET', '/api/wallet', a.accessToken())).json.balance;
    const refused = await tip(a, bReal, 10);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('blocked_by_fraud_review');
    expect(JSON.stringify(refused.json)).not.toContain(b.userId);
    expect((await call(server, 'GET', '/api/wallet', a.accessToken())).json.balance).toBe(before);
    expect(await lastSpendCase(aReal)).toMatchObject({ outcome: 'block', status: 'blocked' });

    // Facts count personas, never accounts (decision 014): A's shadow tipping B is judged on its own.
    await switchTo(a, 'shadow');
    expect((await tip(a, bReal, 10)).status).toBe(200);
    expect(rules(await lastSpendCase((await a.api.me()).shadow_profile!.id))).toEqual([]);

    // A third account tipping B without anything coming back stays quiet.
    const c = await signIn(server);
    await fund(c, 100);
    expect((await tip(c, bReal, 10)).status).toBe(200);
    expect(rules(await lastSpendCase((await c.api.me()).real_profile!.id))).toEqual([]);
  });

  it('a loop of three personas is found too', async () => {
    const [p, q, r] = await Promise.all([1, 2, 3].map(() => signIn(server)));
    for (const u of [p!, q!, r!]) {
      await makeCreator(u);
      await fund(u, 100);
    }
    const id = async (u: TestUser) => (await u.api.me()).real_profile!.id;
    const [pid, qid, rid] = [await id(p!), await id(q!), await id(r!)];
    expect((await tip(p!, qid, 5)).status).toBe(200);
    expect((await tip(q!, rid, 5)).status).toBe(200);
    expect(rules(await lastSpendCase(qid))).toEqual([]);
    expect((await tip(r!, pid, 5)).status).toBe(200);
    const c = await lastSpendCase(rid);
    expect(rules(c)).toEqual(['tip_loop']);
    expect(c.reasons[0]!.detail).toContain('loop of 3');
  });
});
