import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../harness.ts';

/**
 * Threat: fraud review as a link. Creator E watches how its tips are answered: if the victim's shadow tips E
 * and the rule counted per account, E's tip back to the victim's *real* persona would be refused as a loop
 * while the same tip to anyone else passes — E would learn that the shadow and that real persona are one
 * account. Fraud facts count personas (decision 014), so no answer to one persona depends on what the other did.
 */
describe.each(dbTargets())('privacy: fraud review links no personas (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  async function fund(u: TestUser, coins: number) {
    await server.db.service('test:credit', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
        [`link_${randomUUID().slice(0, 8)}`, coins],
      );
      await tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
        `fund_${randomUUID()}`,
        u.userId,
        rows[0]!.id,
      ]);
    });
  }
  const tip = async (u: TestUser, creatorId: string, amount: number) => {
    const r = await fetch(`${server.url}/api/tips`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${u.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': `k-${randomUUID()}`,
      },
      body: JSON.stringify({ creator_id: creatorId, amount }),
    });
    const json = (await r.json()) as Record<string, unknown>;
    // What an answer says apart from its own ids: the status, the error code, the fields.
    const error = json.error as { code?: string } | undefined;
    return { status: r.status, code: error?.code ?? null, fields: Object.keys(json).sort() };
  };

  it('after the victim’s shadow tips E three times, E’s tip to the victim’s real persona answers like one to a control', async () => {
    const victim = await signIn(server);
    const e = await signIn(server);
    const control = await signIn(server);
    for (const u of [victim, e, control]) await makeCreator(u);
    const victimReal = (await victim.api.me()).real_profile!.id;
    const controlReal = (await control.api.me()).real_profile!.id;
    const eReal = (await e.api.me()).real_profile!.id;
    await fund(victim, 500);
    await fund(e, 500);

    await switchTo(victim, 'shadow');
    for (let i = 0; i < 3; i++) expect((await tip(victim, eReal, 10)).status).toBe(200);

    const toVictim = [
      await tip(e, victimReal, 10),
      await tip(e, victimReal, 10),
      await tip(e, victimReal, 10),
    ];
    const toControl = [
      await tip(e, controlReal, 10),
      await tip(e, controlReal, 10),
      await tip(e, controlReal, 10),
    ];
    expect(toVictim).toEqual(toControl);
    expect(toVictim.every((t) => t.status === 200)).toBe(true);
    // Nor does the recorded case differ (what an admin, not E, sees): no loop against the real persona.
    const { rows } = await server.db.driver.query<{ reasons: { rule: string }[] }>(
      `select reasons from fraud_cases where subject_type = 'spend' and profile_id = $1 and details ->> 'creator_id' = $2`,
      [eReal, victimReal],
    );
    expect(rows.flatMap((r) => r.reasons.map((x) => x.rule))).toEqual([]);
  });

  it('the rule still catches a loop between the same two personas (the check is not vacuous)', async () => {
    const a = await signIn(server);
    const b = await signIn(server);
    for (const u of [a, b]) {
      await makeCreator(u);
      await fund(u, 500);
    }
    const aReal = (await a.api.me()).real_profile!.id;
    const bReal = (await b.api.me()).real_profile!.id;
    for (let i = 0; i < 3; i++) await tip(b, aReal, 10);
    expect(await tip(a, bReal, 10)).toMatchObject({ status: 403, code: 'blocked_by_fraud_review' });
  });
});
