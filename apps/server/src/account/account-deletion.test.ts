import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { mediaFixture } from '../../test/media-fixture.ts';
import { accountDeletionSteps } from '../domains.ts';
import { ledgerViolations, releaseEarnings } from '../economy/economy.service.ts';
import { schedulePayouts } from '../economy/payouts/payouts.service.ts';
import { purgeExpiredMessages } from '../messaging/no-trace.service.ts';
import { BEGIN_ACCOUNT_DELETION, FINISH_ACCOUNT_DELETION } from './account.service.ts';

const DAY = 86_400_000;
const CONFIRM = { confirm: 'delete my account' };

describe.each(dbTargets())('account deletion (%s)', (target) => {
  let server: TestServer;
  const f = mediaFixture(() => server);
  const del = (token: string, body: unknown = CONFIRM) =>
    call(server, 'POST', '/api/account/delete', token, body);

  /** Credits coins the way a verified provider webhook does (local provider, unique payment id). */
  async function fund(u: TestUser, coins: number): Promise<string> {
    const externalId = `pay_${randomUUID()}`;
    await server.db.service('test:fund', async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_packages (code, coins, prices) values ($1, $2, '{"USD": 100}') returning id`,
        [`acct_${randomUUID().slice(0, 8)}`, coins],
      );
      await tx.query(`select * from credit_coin_purchase('local', $1, $2, $3, 100, 'USD')`, [
        externalId,
        u.userId,
        rows[0]!.id,
      ]);
    });
    return externalId;
  }
  const tip = (from: TestUser, creatorId: string, amount: number) =>
    fetch(`${server.url}/api/tips`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${from.accessToken()}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ creator_id: creatorId, amount }),
    }).then((r) => r.status);

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('deletes both personas and everything they own; an attacker learns nothing afterwards', async () => {
    const victim = await signIn(server, undefined, { installId: `victim-device-${Date.now()}` });
    const attacker = await signIn(server);
    const fan = await signIn(server);
    await makeCreator(victim);
    const me = await victim.api.me();
    const real = me.real_profile!;
    const shadow = me.shadow_profile!;
    const personas = [real.id, shadow.id];
    const attackerReal = (await attacker.api.me()).real_profile!;

    // The real persona: an avatar, a published post with media, followers, a vector, a tip received.
    const avatar = await f.upload(victim);
    await victim.api.updateProfile({ avatar_media_id: avatar.id });
    const postMedia = await f.upload(victim);
    const post = await victim.api.createPost({ body: 'public words', media_ids: [postMedia.id] });
    await attacker.api.follow(real.id);
    await victim.api.follow(attackerReal.id);
    await server.db.service('test:vectors', (tx) =>
      tx.query('insert into public.profile_vectors (profile_id) values ($1), ($2)', personas),
    );
    await fund(fan, 200);
    expect(await tip(fan, real.id, 100)).toBe(200);
    // Coins at rest: the wallet is forfeited. Earnings released below the payout minimum: forfeited too.
    await fund(victim, 500);
    await releaseEarnings(server.db, new Date(Date.now() + 8 * DAY));

    // A 1:1 conversation with the attacker, who sends an image into it.
    const started = await call(server, 'POST', '/api/conversations', victim.accessToken(), {
      profile_id: attackerReal.id,
    });
    const conv = started.json.id as string;
    expect(
      (await call(server, 'POST', `/api/conversations/${conv}/accept`, attacker.accessToken())).status,
    ).toBe(200);
    const sendTo = (u: TestUser, body: unknown) =>
      call(server, 'POST', `/api/conversations/${conv}/messages`, u.accessToken(), body);
    expect((await sendTo(victim, { body: 'secret from the victim' })).status).toBe(201);
    const attackerImage = await f.upload(attacker);
    expect((await sendTo(attacker, { media_id: attackerImage.id })).status).toBe(201);

    // The shadow persona: its own avatar, a block, contacts at account level.
    await switchTo(victim, 'shadow');
    const shadowAvatar = await f.upload(victim);
    await victim.api.updateProfile({ avatar_media_id: shadowAvatar.id });
    const fanShadow = (await fan.api.me()).shadow_profile!;
    await server.db.service('test:block-and-contacts', async (tx) => {
      await tx.query('insert into public.blocks (blocker_id, blocked_id) values ($1, $2)', [
        shadow.id,
        fanShadow.id,
      ]);
      await tx.query(
        `insert into public.contact_hashes (user_id, kind, hash) values ($1, 'email', repeat('c', 64))`,
        [victim.userId],
      );
    });

    // What the attacker holds before: signed URLs and the conversation.
    const urls = [
      await f.signedUrl(attacker, avatar.id),
      await f.signedUrl(attacker, postMedia.id),
      await f.signedUrl(attacker, attackerImage.id),
    ];
    const paths = [avatar.path, postMedia.path, shadowAvatar.path, attackerImage.path];
    const token = victim.accessToken();
    const walletEntries = await f.count(
      `select 1 from ledger_entries e join ledger_accounts a on a.id = e.account_id where a.user_id = $1`,
      [victim.userId],
    );
    expect(walletEntries).toBeGreaterThan(0);

    // The body must say it.
    expect((await del(token, { confirm: 'yes' })).status).toBe(400);
    expect((await del(token, {})).status).toBe(400);
    const res = await del(token);
    expect(res.status).toBe(204);

    // The old tokens stop working at once: access (session revoked) and refresh.
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(401);
    const refreshed = await victim.supabase.auth.refreshSession();
    expect(refreshed.error).not.toBeNull();

    // No row of the account is left.
    const gone: [string, unknown[]][] = [
      ['select 1 from auth.users where id = $1', [victim.userId]],
      ['select 1 from auth.sessions where user_id = $1', [victim.userId]],
      ['select 1 from auth.refresh_tokens where user_id = $1::text', [victim.userId]],
      ['select 1 from public.accounts where user_id = $1', [victim.userId]],
      ['select 1 from public.persona_links where user_id = $1', [victim.userId]],
      ['select 1 from public.session_state where user_id = $1', [victim.userId]],
      ['select 1 from public.devices where user_id = $1', [victim.userId]],
      ['select 1 from public.contact_hashes where user_id = $1', [victim.userId]],
      ['select 1 from public.profiles where id = any($1)', [personas]],
      ['select 1 from public.posts where author_id = any($1) or id = $2', [personas, post.id]],
      ['select 1 from public.media_objects where owner_id = any($1)', [personas]],
      ['select 1 from public.media_objects where id = $1', [attackerImage.id]],
      ['select 1 from public.messages where sender_id = any($1) or conversation_id = $2', [personas, conv]],
      ['select 1 from public.conversations where id = $1', [conv]],
      ['select 1 from public.follows where follower_id = any($1) or followee_id = any($1)', [personas]],
      ['select 1 from public.blocks where blocker_id = any($1) or blocked_id = any($1)', [personas]],
      ['select 1 from public.notifications where actor_id = any($1) or recipient_id = any($1)', [personas]],
      ['select 1 from public.profile_vectors where profile_id = any($1)', [personas]],
      ['select 1 from public.tips where creator_id = any($1)', [personas]],
      [
        'select 1 from public.ledger_accounts where user_id = $1 or profile_id = any($2)',
        [victim.userId, personas],
      ],
      [`select 1 from auth.otp_challenges where identifier like '%' || $1`, [me.email]],
      ['select 1 from public.purge_queue where object_path = any($1)', [paths]],
    ];
    for (const [sql, params] of gone) {
      expect(await f.one(sql, params), sql).toBeUndefined();
    }
    // No bytes on disk, and the URLs issued earlier stop working.
    for (const path of paths) expect(f.onDisk(path), path).toBe(false);
    for (const url of urls) expect((await fetch(url)).status).toBe(404);

    // The attacker: no profile under either handle, no conversation, and the handle is free again.
    for (const handle of [real.handle, shadow.handle]) {
      expect((await call(server, 'GET', `/api/profiles/${handle}`, attacker.accessToken())).status).toBe(404);
      expect((await call(server, 'GET', `/api/profiles/${handle}`)).status).toBe(404);
    }
    const list = await call(server, 'GET', '/api/conversations', attacker.accessToken());
    expect([...list.json.conversations, ...list.json.requests]).toEqual([]);
    expect((await call(server, 'GET', `/api/conversations/${conv}`, attacker.accessToken())).status).toBe(
      404,
    );
    expect((await call(server, 'GET', `/api/media/${postMedia.id}/url`, attacker.accessToken())).status).toBe(
      404,
    );
    expect((await call(server, 'GET', `/api/posts/${post.id}`, attacker.accessToken())).status).toBe(404);
    const taken = await call(server, 'PATCH', '/api/profiles/me', attacker.accessToken(), {
      handle: real.handle,
    });
    // A released handle is never issued again (decision 014): a deleted persona's handle answers like any
    // taken one, so a hidden persona's handle cannot be told from a deleted one's.
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('handle_taken');

    // Money: the entries stay (immutable) on closed accounts with no owner, at zero after the forfeits.
    const closed = await f.rows(
      `select a.kind, a.balance::int as balance, a.user_id, a.profile_id from ledger_accounts a
       where a.closed_at is not null and exists (select 1 from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                                                 where e.account_id = a.id and t.kind = 'account_deleted_forfeit')`,
    );
    expect(closed.map((a) => a.kind).sort()).toEqual(['creator_available', 'user_wallet']);
    for (const a of closed) expect(a).toMatchObject({ balance: 0, user_id: null, profile_id: null });
    expect(
      await f.count(`select 1 from ledger_entries e join ledger_accounts a on a.id = e.account_id
                     where a.closed_at is not null and a.kind = 'user_wallet'`),
    ).toBeGreaterThanOrEqual(walletEntries + 1);
    expect(await f.count('select 1 from creator_earnings where creator_id is null')).toBe(1);
    expect(await f.count('select 1 from coin_purchases where user_id is null')).toBe(1);
    expect(await ledgerViolations(server.db)).toEqual([]);

    // Signing in again with the same address is a new account with new personas.
    const again = await signIn(server, me.email!);
    expect(again.userId).not.toBe(victim.userId);
    expect((await again.api.me()).real_profile!.id).not.toBe(real.id);
  });

  it('refuses while money is moving, deleting nothing: earnings_pending, earnings_unpaid, payout_in_flight, purchase_in_flight', async () => {
    const creator = await signIn(server);
    const fan = await signIn(server);
    await makeCreator(creator);
    const creatorId = (await creator.api.me()).real_profile!.id;
    await fund(fan, 3000);
    expect(await tip(fan, creatorId, 2000)).toBe(200);
    const still = async () => {
      expect((await call(server, 'GET', '/api/me', creator.accessToken())).status).toBe(200);
      expect(await f.one('select 1 from profiles where id = $1', [creatorId])).toBeDefined();
    };

    let res = await del(creator.accessToken());
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('earnings_pending');
    await still();

    const t0 = Date.now();
    await releaseEarnings(server.db, new Date(t0 + 8 * DAY));
    res = await del(creator.accessToken());
    expect(res.json.error.code).toBe('earnings_unpaid');
    await still();

    expect(await schedulePayouts(server.db, new Date(t0 + 8 * DAY))).toBe(1);
    res = await del(creator.accessToken());
    expect(res.json.error.code).toBe('payout_in_flight');
    expect(res.json.error.message).toContain('payout');
    await still();

    // A fan whose purchase is held for fraud review (paid, not yet credited).
    await server.db.service('test:held', async (tx) => {
      const pkg = await tx.query<{ id: string }>('select id from coin_packages limit 1');
      // Purchases start pending (the state machine refuses any other insert), then move to held.
      const { rows } = await tx.query<{ id: string }>(
        `insert into coin_purchases (user_id, package_id, provider, external_id, status, amount_minor, currency, coins)
         values ($1, $2, 'local', $3, 'pending', 100, 'USD', 10) returning id`,
        [fan.userId, pkg.rows[0]!.id, `held_${randomUUID()}`],
      );
      await tx.query(
        `update coin_purchases set status = 'held', hold_reason = 'fraud_review' where id = $1`,
        [rows[0]!.id],
      );
    });
    res = await del(fan.accessToken());
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('purchase_in_flight');
    expect((await call(server, 'GET', '/api/me', fan.accessToken())).status).toBe(200);
  });

  it('is atomic: a failure half-way leaves everything in place, and a retry then succeeds', async () => {
    const u = await signIn(server);
    const me = await u.api.me();
    const media = await f.upload(u);
    await u.api.updateProfile({ avatar_media_id: media.id });
    await fund(u, 50);
    // The last statement of the last step (finish_account_deletion) fails: everything before it must roll back.
    await server.db.driver.exec(`
      create or replace function public.test_fail_user_delete() returns trigger language plpgsql as
        $$ begin raise exception 'simulated crash'; end $$;
      create trigger test_fail_user_delete before delete on auth.users
        for each row execute function public.test_fail_user_delete();`);
    try {
      expect((await del(u.accessToken())).status).toBe(500);
    } finally {
      await server.db.driver.exec(`
        drop trigger test_fail_user_delete on auth.users;
        drop function public.test_fail_user_delete();`);
    }
    expect((await call(server, 'GET', '/api/me', u.accessToken())).status).toBe(200);
    expect(await f.one('select 1 from media_objects where id = $1', [media.id])).toBeDefined();
    expect(f.onDisk(media.path)).toBe(true);
    expect(await f.one('select 1 from purge_queue where object_path = $1', [media.path])).toBeUndefined();
    expect((await u.api.wallet()).balance).toBe(50);
    expect(await f.one('select 1 from profiles where id = $1', [me.shadow_profile!.id])).toBeDefined();

    expect((await del(u.accessToken())).status).toBe(204);
    expect(
      await f.one('select 1 from profiles where id = any($1)', [
        [me.real_profile!.id, me.shadow_profile!.id],
      ]),
    ).toBeUndefined();
    expect(f.onDisk(media.path)).toBe(false);
  });

  it('leaves bytes it could not delete in purge_queue; the purge job finishes them', async () => {
    const u = await signIn(server);
    const media = await f.upload(u);
    const url = await f.signedUrl(u, media.id);
    const driver = server.storage.driver;
    const original = driver.deleteObject.bind(driver);
    driver.deleteObject = async () => {
      throw new Error('storage down');
    };
    try {
      expect((await del(u.accessToken())).status).toBe(204);
    } finally {
      driver.deleteObject = original;
    }
    // Rows gone (the URL is dead), bytes still there and queued.
    expect(await f.one('select 1 from media_objects where id = $1', [media.id])).toBeUndefined();
    expect((await fetch(url)).status).toBe(404);
    expect(f.onDisk(media.path)).toBe(true);
    expect(await f.one('select 1 from purge_queue where object_path = $1', [media.path])).toBeDefined();

    await purgeExpiredMessages(server.db, server.storage);
    expect(f.onDisk(media.path)).toBe(false);
    expect(await f.one('select 1 from purge_queue where object_path = $1', [media.path])).toBeUndefined();
  });

  it('a refund arriving after deletion still posts and the books still balance', async () => {
    const u = await signIn(server);
    const payment = await fund(u, 70);
    expect((await del(u.accessToken())).status).toBe(204);
    // The coins were forfeited at deletion; the provider now refunds the purchase.
    const reversed = await server.db.service('test:late-refund', (tx) =>
      tx.query<{ wallet_balance: string }>(`select * from reverse_coin_purchase('local', $1, 'refund')`, [
        payment,
      ]),
    );
    expect(Number(reversed.rows[0]!.wallet_balance)).toBe(-70);
    expect(
      await f.one('select status, user_id from coin_purchases where external_id = $1', [payment]),
    ).toEqual({
      status: 'refunded',
      user_id: null,
    });
    expect(await ledgerViolations(server.db)).toEqual([]);
  });

  it('needs a signed-in caller; a deleted account cannot delete twice', async () => {
    expect((await call(server, 'POST', '/api/account/delete', null, CONFIRM)).status).toBe(401);
    const u = await signIn(server);
    const token = u.accessToken();
    expect(claimsOf(token).role).toBe('authenticated');
    expect((await del(token)).status).toBe(204);
    expect((await del(token)).status).toBe(401);
  });

  it('refuses a deletion step run out of flow: without begin, or in another transaction than begin', async () => {
    const u = await signIn(server);
    const claims = claimsOf(u);
    const begin = { sql: BEGIN_ACCOUNT_DELETION };
    const rest = [...accountDeletionSteps(), { domain: 'account', sql: FINISH_ACCOUNT_DELETION }];
    for (const step of rest) {
      const err = await server.db.asUser(claims, (tx) => tx.query(step.sql)).catch((e: unknown) => e);
      expect(err, step.domain).toMatchObject({ code: '55000' });
    }
    // A begin that no finish follows cannot commit, so nothing is left for a later transaction's step to use.
    const unfinished = await server.db.asUser(claims, (tx) => tx.query(begin!.sql)).catch((e: unknown) => e);
    expect(unfinished).toMatchObject({ code: '55000' });
    const err = await server.db.asUser(claims, (tx) => tx.query(rest[0]!.sql)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '55000' });
    expect(await f.one('select 1 from account_deletions where user_id = $1', [u.userId])).toBeUndefined();
    expect((await call(server, 'GET', '/api/me', u.accessToken())).status).toBe(200);
    // Someone else's begin does not open a flow for this caller either.
    const other = await signIn(server);
    const step = rest.at(-1)!;
    const crossed = await server.db
      .asUser(claimsOf(other), async (tx) => {
        await tx.query(begin!.sql);
        await tx.query(
          "select set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true)",
          [JSON.stringify(claims), claims.sub],
        );
        return tx.query(step.sql);
      })
      .catch((e: unknown) => e);
    expect(crossed).toMatchObject({ code: '55000' });
    expect((await call(server, 'GET', '/api/me', other.accessToken())).status).toBe(200);
  });
});
