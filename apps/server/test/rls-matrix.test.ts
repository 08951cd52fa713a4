import type { JwtClaims, Queryable } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimsOf,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from './harness.ts';

/** Runs SQL as a role and reports what happened instead of throwing: rows seen, rows changed, or denied. */
async function attempt(server: TestServer, who: JwtClaims | null, sql: string, params: unknown[] = []) {
  try {
    const res = await server.db.as(who, (tx: Queryable) => tx.query(sql, params));
    return { denied: false, rows: res.rows.length, changed: res.rowCount };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42501' || code === '23503' || code === '23514' || code === '42703')
      return { denied: true, rows: 0, changed: 0 };
    throw err;
  }
}

describe.each(dbTargets())(
  'RLS matrix: another account and anon cannot touch private rows (%s)',
  (target) => {
    let server: TestServer;
    let owner: TestUser;
    let attacker: TestUser;
    let ownerClaims: JwtClaims;
    let attackerReal: JwtClaims;
    let attackerShadow: JwtClaims;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      server = await startTestServer(target);
      owner = await signIn(server, undefined, { installId: `owner-device-${Date.now()}` });
      await makeCreator(owner);
      ownerClaims = claimsOf(owner);
      attacker = await signIn(server);
      attackerReal = claimsOf(attacker);
      await switchTo(attacker, 'shadow');
      attackerShadow = claimsOf(attacker);
      const persona = ownerClaims.persona_id!;
      ids.user = owner.userId;
      ids.persona = persona;
      ids.draft = (await owner.api.createPost({ body: 'draft secret', draft: true })).id;
      ids.ppv = (await owner.api.createPost({ body: 'ppv secret', visibility: 'ppv', price_coins: 9 })).id;
      await owner.api.report({ target_type: 'post', target_id: ids.ppv, reason: 'other' });
      await server.db.service('test:fixtures', async (tx) => {
        ids.media = (
          await tx.query<{ id: string }>(
            `insert into media_objects (owner_id, bucket, object_path, content_type, size_bytes, status) values ($1, 'creator-media', 'creator-media/' || gen_random_uuid(), 'image/png', 10, 'ready') returning id`,
            [persona],
          )
        ).rows[0]!.id;
        await tx.query('insert into post_media (post_id, media_id) values ($1, $2)', [ids.ppv, ids.media]);
        const conv = (
          await tx.query<{ id: string }>(`insert into conversations (kind) values ('real') returning id`)
        ).rows[0]!.id;
        ids.conversation = conv;
        await tx.query('insert into conversation_members (conversation_id, profile_id) values ($1, $2)', [
          conv,
          persona,
        ]);
        ids.message = (
          await tx.query<{ id: string }>(
            `insert into messages (conversation_id, sender_id, body) values ($1, $2, 'private words') returning id`,
            [conv, persona],
          )
        ).rows[0]!.id;
        ids.notification = (
          await tx.query<{ id: string }>(
            `insert into notifications (recipient_id, kind) values ($1, 'new_follower') returning id`,
            [persona],
          )
        ).rows[0]!.id;
        await tx.query(`insert into ai_logs (user_id, kind, provider) values ($1, 'story', 'local')`, [
          owner.userId,
        ]);
        await tx.query(
          `insert into contact_hashes (user_id, kind, hash) values ($1, 'phone', repeat('a', 64))`,
          [owner.userId],
        );
        await tx.query(
          `insert into identity_hashes (user_id, kind, hash) values ($1, 'email', repeat('c', 64)) on conflict do nothing`,
          [owner.userId],
        );
        await tx.query(
          `insert into network_sightings (user_id, fingerprint, expires_at) values ($1, repeat('d', 64), now() + interval '1 hour')`,
          [owner.userId],
        );
        await tx.query(`insert into audit_log (actor_user_id, action) values ($1, 'test')`, [owner.userId]);
        await tx.query(
          `insert into ledger_accounts (kind, user_id, currency) values ('user_wallet', $1, 'COIN')`,
          [owner.userId],
        );
        const pkg = (
          await tx.query<{ id: string }>(
            `insert into coin_packages (code, coins) values ('rls_pkg', 10) returning id`,
          )
        ).rows[0]!.id;
        await tx.query(
          `insert into coin_purchases (user_id, package_id, provider, external_id, amount_minor, currency, coins) values ($1, $2, 'local', 'x1', 100, 'USD', 10)`,
          [owner.userId, pkg],
        );
        await tx.query(`insert into profile_vectors (profile_id) values ($1)`, [persona]);
        const tier = (
          await tx.query<{ id: string }>(
            `insert into subscription_tiers (creator_id, name, price_coins) values ($1, 'T', 5) returning id`,
            [persona],
          )
        ).rows[0]!.id;
        ids.tier = tier;
        // A third, unrelated creator the owner follows, subscribes to and buys from.
        await tx.query(`insert into auth.users (email) values ($1)`, [`third.${Date.now()}@example.com`]);
        const third = (
          await tx.query<{ id: string }>(
            `select p.id from profiles p join persona_links l on l.profile_id = p.id join auth.users u on u.id = l.user_id
             where u.email like 'third.%' and l.kind = 'real' order by u.created_at desc limit 1`,
          )
        ).rows[0]!.id;
        await tx.query('insert into follows (follower_id, followee_id) values ($1, $2)', [persona, third]);
        await tx.query('insert into blocks (blocker_id, blocked_id) values ($1, $2)', [persona, third]);
        await tx.query(`insert into purge_queue (object_path) values ('rls/' || $1)`, [owner.userId]);
        await tx.query(`insert into sealing_keys (id) values ('k-' || $1)`, [owner.userId]);
        await tx.query('insert into vacuum_requests default values');
        // A deletion context never commits in real use (begin and finish share a transaction); txid 0 never exists.
        await tx.query(
          'insert into account_deletions (txid, user_id, personas) values (0, $1, array[$2]::uuid[])',
          [owner.userId, persona],
        );
        await tx.query(`insert into retired_handles (handle_digest) values (md5($1) || md5($1))`, [
          owner.userId,
        ]);
        await tx.query(
          `insert into screenshot_events (taker_id, context, target_id, owner_id) values ($1, 'profile', $2, $2)`,
          [persona, third],
        );
        const thirdTier = (
          await tx.query<{ id: string }>(
            `insert into subscription_tiers (creator_id, name, price_coins) values ($1, 'T3', 5) returning id`,
            [third],
          )
        ).rows[0]!.id;
        await tx.query(
          `insert into subscriptions (subscriber_id, creator_id, tier_id, status, current_period_start, current_period_end)
           values ($1, $2, $3, 'active', now(), now() + interval '30 days')`,
          [persona, third, thirdTier],
        );
        const thirdPost = (
          await tx.query<{ id: string }>(
            `insert into posts (author_id, visibility, price_coins, status) values ($1, 'ppv', 3, 'published') returning id`,
            [third],
          )
        ).rows[0]!.id;
        await tx.query('insert into ppv_unlocks (buyer_id, post_id, price_coins) values ($1, $2, 3)', [
          persona,
          thirdPost,
        ]);
        const wallet = (
          await tx.query<{ id: string }>(`select id from ledger_accounts where user_id = $1`, [owner.userId])
        ).rows[0]!.id;
        const clearing = (
          await tx.query<{ id: string }>(
            `insert into ledger_accounts (kind, currency) values ('provider_clearing', 'COIN') returning id`,
          )
        ).rows[0]!.id;
        // Through the ledger's own writer, so cached balances stay true (invariants are checked after every test).
        ids.ledgerTx = (
          await tx.query<{ transaction_id: string }>(
            `select transaction_id from public.ledger_post('test_credit', $1, 'h', null, '{}',
               jsonb_build_array(jsonb_build_object('account', $2::uuid, 'amount', 10),
                                 jsonb_build_object('account', $3::uuid, 'amount', -10)))`,
            [`test-credit-${owner.userId}`, wallet, clearing],
          )
        ).rows[0]!.transaction_id;
        // Economy rows owned by the owner: earnings, a tip, a message unlock, purchase history, fraud review.
        await tx.query(
          `insert into creator_earnings (creator_id, transaction_id, kind, amount, available_at) values ($1, $2, 'tip', 8, now())`,
          [persona, ids.ledgerTx],
        );
        await tx.query(
          'insert into tips (sender_id, creator_id, amount_coins, ledger_transaction_id) values ($1, $2, 1, $3)',
          [persona, third, ids.ledgerTx],
        );
        await tx.query(
          'insert into message_unlocks (message_id, buyer_id, ledger_transaction_id) values ($1, $2, $3)',
          [ids.message, persona, ids.ledgerTx],
        );
        await tx.query(
          `insert into coin_purchase_events (purchase_id, status) select id, 'succeeded' from coin_purchases where user_id = $1`,
          [owner.userId],
        );
        await tx.query(
          `insert into payment_events (provider, event_id, type, payload) values ('local', $1, 'test', '{}')`,
          [`evt_${owner.userId}`],
        );
        await tx.query(
          `insert into fraud_cases (user_id, subject_type, score, outcome) values ($1, 'account', 10, 'allow')`,
          [owner.userId],
        );
        // Money checks: a reconciliation item about the owner's purchase, and a clawback of the owner's spend.
        await tx.query(
          `insert into reconciliation_items (kind, provider, dedupe_key, purchase_id, user_id, detail)
           select 'amount_mismatch', 'local', 'rls:' || p.id, p.id, $1, 'paid 1 USD' from coin_purchases p where p.user_id = $1`,
          [owner.userId],
        );
        await tx.query(
          `insert into purchase_clawbacks (purchase_id, reversal_kind, spend_transaction_id, earning_id, coins, creator_coins,
             platform_coins, transaction_id)
           select p.id, 'refund', $2, e.id, 1, 0, 1, $2 from coin_purchases p, creator_earnings e
            where p.user_id = $1 and e.transaction_id = $2 limit 1`,
          [owner.userId, ids.ledgerTx],
        );
        // The owner's payout, its history and where the owner is paid.
        ids.payout = (
          await tx.query<{ id: string }>(
            `insert into payouts (creator_id, amount_coins, amount_minor, currency, status, period_start, period_end, schedule_transaction_id)
             values ($1, 1000, 1000, 'USD', 'awaiting_approval', now(), now() + interval '7 days', $2) returning id`,
            [persona, ids.ledgerTx],
          )
        ).rows[0]!.id;
        await tx.query(`insert into payout_events (payout_id, status) values ($1, 'awaiting_approval')`, [
          ids.payout,
        ]);
        await tx.query(
          `insert into payout_accounts (creator_id, provider, account_id) values ($1, 'stripe', 'acct_1RlsOwner')`,
          [persona],
        );
      });
    });
    afterAll(() => server?.dispose());

    it('has row-level security enabled on every table in the exposed schema', async () => {
      const { rows } = await server.db.driver.query<{ relname: string; relrowsecurity: boolean }>(
        `select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')`,
      );
      expect(rows.length).toBeGreaterThan(20);
      expect(rows.filter((r) => !r.relrowsecurity).map((r) => r.relname)).toEqual([]);
    });

    // Each private table: the owner sees their row, nobody else does, nobody else can change or forge it.
    const privateReads: [string, string, string][] = [
      ['persona_links', 'select * from persona_links where user_id = $1', 'user'],
      ['follows', 'select * from follows where follower_id = $1', 'persona'],
      ['blocks', 'select * from blocks where blocker_id = $1', 'persona'],
      ['creator_earnings', 'select * from creator_earnings where creator_id = $1', 'persona'],
      ['tips', 'select * from tips where sender_id = $1', 'persona'],
      ['message_unlocks', 'select * from message_unlocks where buyer_id = $1', 'persona'],
      [
        'coin_purchase_events',
        'select e.* from coin_purchase_events e join coin_purchases p on p.id = e.purchase_id where p.user_id = $1',
        'user',
      ],
      ['payment_events', `select * from payment_events where event_id = 'evt_' || $1`, 'user'],
      ['fraud_cases', 'select * from fraud_cases where user_id = $1', 'user'],
      ['reconciliation_items', 'select * from reconciliation_items where user_id = $1', 'user'],
      [
        'purchase_clawbacks',
        'select c.* from purchase_clawbacks c join coin_purchases p on p.id = c.purchase_id where p.user_id = $1',
        'user',
      ],
      ['subscriptions', 'select * from subscriptions where subscriber_id = $1', 'persona'],
      ['ppv_unlocks', 'select * from ppv_unlocks where buyer_id = $1', 'persona'],
      ['ledger_transactions', 'select * from ledger_transactions where id = $1', 'ledgerTx'],
      ['ledger_entries', 'select * from ledger_entries where transaction_id = $1', 'ledgerTx'],
      ['accounts', 'select * from accounts where user_id = $1', 'user'],
      ['devices', 'select * from devices where user_id = $1', 'user'],
      ['session_state', 'select * from session_state where user_id = $1', 'user'],
      ['post_contents (draft)', 'select * from post_contents where post_id = $1', 'draft'],
      ['posts (draft)', 'select * from posts where id = $1', 'draft'],
      ['post_contents (ppv)', 'select * from post_contents where post_id = $1', 'ppv'],
      ['post_media (ppv)', 'select * from post_media where post_id = $1', 'ppv'],
      ['media_objects (ppv media)', 'select * from media_objects where id = $1', 'media'],
      ['conversations', 'select * from conversations where id = $1', 'conversation'],
      [
        'conversation_members',
        'select * from conversation_members where conversation_id = $1',
        'conversation',
      ],
      ['messages', 'select * from messages where id = $1', 'message'],
      ['notifications', 'select * from notifications where id = $1', 'notification'],
      ['reports', 'select * from reports where reporter_user_id = $1', 'user'],
      ['ai_logs', 'select * from ai_logs where user_id = $1', 'user'],
      ['contact_hashes', 'select * from contact_hashes where user_id = $1', 'user'],
      ['identity_hashes', 'select * from identity_hashes where user_id = $1', 'user'],
      ['network_sightings', 'select * from network_sightings where user_id = $1', 'user'],
      ['audit_log', 'select * from audit_log where actor_user_id = $1', 'user'],
      ['ledger_accounts', 'select * from ledger_accounts where user_id = $1', 'user'],
      ['coin_purchases', 'select * from coin_purchases where user_id = $1', 'user'],
      ['profile_vectors', 'select * from profile_vectors where profile_id = $1', 'persona'],
      ['payouts', 'select * from payouts where creator_id = $1', 'persona'],
      ['payout_events', 'select * from payout_events where payout_id = $1', 'payout'],
      ['payout_accounts', 'select * from payout_accounts where creator_id = $1', 'persona'],
      ['screenshot_events', 'select * from screenshot_events where taker_id = $1', 'persona'],
      ['purge_queue', `select * from purge_queue where object_path = 'rls/' || $1`, 'user'],
      ['sealing_keys', `select * from sealing_keys where id = 'k-' || $1`, 'user'],
      ['vacuum_requests', 'select * from vacuum_requests where $1::text is not null', 'user'],
      ['account_deletions', 'select * from account_deletions where user_id = $1', 'user'],
      ['retired_handles', 'select * from retired_handles where handle_digest = md5($1) || md5($1)', 'user'],
    ];

    it.each(privateReads)(
      '%s: invisible to another account (both personas) and to anon',
      async (_name, sql, key) => {
        for (const who of [attackerReal, attackerShadow, null]) {
          const r = await attempt(server, who, sql, [ids[key]]);
          expect(r.rows).toBe(0);
        }
      },
    );

    it('covers every table of the exposed schema (new tables must join this matrix)', async () => {
      const { rows } = await server.db.driver.query<{ relname: string }>(
        `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p')`,
      );
      // Tables whose rows are public by design (teasers, catalogues); their writes are covered below.
      const publicByDesign = [
        'profiles',
        'coin_packages',
        'subscription_tiers',
        'economy_settings',
        'coin_purchase_transitions',
      ];
      const covered = new Set([...privateReads.map(([name]) => name.split(' ')[0]), ...publicByDesign]);
      expect(rows.map((r) => r.relname).filter((t) => !covered.has(t))).toEqual([]);
    });

    it('the owner does see their own private rows (the matrix is not vacuous)', async () => {
      for (const [name, sql, key] of privateReads) {
        const serviceOnly = [
          'audit_log',
          'payment_events',
          'fraud_cases',
          'reconciliation_items', // staff only
          'purchase_clawbacks',
          'purge_queue',
          'sealing_keys',
          'vacuum_requests',
          'account_deletions',
          'identity_hashes',
          'network_sightings',
          'retired_handles',
        ];
        if (serviceOnly.includes(name)) continue; // service-only by design
        const r = await attempt(server, ownerClaims, sql, [ids[key]]);
        expect({ name, rows: r.rows }).toEqual({ name, rows: expect.any(Number) });
        expect(r.rows, name).toBeGreaterThan(0);
      }
    });

    const writes: [string, string, string][] = [
      ['update profile', `update profiles set display_name = 'pwned' where id = $1`, 'persona'],
      ['promote to creator', `update profiles set is_creator = true where id = $1`, 'persona'],
      ['update post', `update posts set visibility = 'public' where id = $1`, 'ppv'],
      ['delete post', 'delete from posts where id = $1', 'ppv'],
      ['rewrite post body', `update post_contents set body = 'pwned' where post_id = $1`, 'ppv'],
      ['delete media', 'delete from media_objects where id = $1', 'media'],
      ['delete device', 'delete from devices where user_id = $1', 'user'],
      ['mark notification read', 'update notifications set read_at = now() where id = $1', 'notification'],
      ['delete message', 'delete from messages where id = $1', 'message'],
      ['delete contact hashes', 'delete from contact_hashes where user_id = $1', 'user'],
      ['steal persona link', 'update persona_links set user_id = auth.uid() where user_id = $1', 'user'],
      ['delete session state', 'delete from session_state where user_id = $1', 'user'],
      ['erase a screenshot event', 'delete from screenshot_events where taker_id = $1', 'persona'],
    ];

    it.each(writes)('%s: refused for another account and anon', async (name, sql, key) => {
      for (const who of [attackerReal, attackerShadow, null]) {
        const r = await attempt(server, who, sql, [ids[key]]);
        expect(r.changed, name).toBe(0);
      }
      const { rows } = await server.db.driver.query<{ n: string }>(
        `select count(*)::text as n from posts where id = $1`,
        [ids.ppv],
      );
      expect(rows[0]!.n).toBe('1');
    });

    const forgeries: [string, string, string][] = [
      ['post as someone else', `insert into posts (author_id, status) values ($1, 'published')`, 'persona'],
      ['follow as someone else', 'insert into follows (follower_id, followee_id) values ($1, $1)', 'persona'],
      [
        'block as someone else',
        'insert into blocks (blocker_id, blocked_id) values ($1, public.current_persona_id())',
        'persona',
      ],
      [
        'contact hashes for someone else',
        `insert into contact_hashes (user_id, kind, hash) values ($1, 'email', repeat('b', 64))`,
        'user',
      ],
      [
        'an identity hash (would wall off a stranger)',
        `insert into identity_hashes (user_id, kind, hash) select auth.uid(), 'email', repeat('c', 64) where $1::uuid is not null`,
        'user',
      ],
      [
        'a network sighting',
        `insert into network_sightings (user_id, fingerprint, expires_at) select auth.uid(), repeat('d', 64), now() + interval '1 day' where $1::uuid is not null`,
        'user',
      ],
      [
        'message into a foreign conversation',
        `insert into messages (conversation_id, sender_id, body) values ($1, public.current_persona_id(), 'hi')`,
        'conversation',
      ],
      [
        'report as someone else',
        `insert into reports (reporter_profile_id, target_type, target_id, reason) values ($1, 'post', $1, 'spam')`,
        'persona',
      ],
      [
        'self-grant a ppv unlock',
        `insert into ppv_unlocks (buyer_id, post_id, price_coins) values (public.current_persona_id(), $1, 1)`,
        'ppv',
      ],
      ['self-credit coins', `insert into ledger_transactions (kind) values ($1)`, 'user'],
      [
        "redirect a creator's payouts",
        `insert into payout_accounts (creator_id, provider, account_id) values ($1, 'stripe', 'acct_thief')`,
        'persona',
      ],
      ['mark a payout paid', `update payouts set status = 'paid' where id = $1`, 'payout'],
      [
        'forge a screenshot event',
        `insert into screenshot_events (taker_id, context, target_id, owner_id) values ($1, 'profile', $1, $1)`,
        'persona',
      ],
      [
        'create a media row',
        `insert into media_objects (owner_id, bucket, object_path, content_type, size_bytes) values ($1, 'creator-media', 'x', 'image/png', 1)`,
        'persona',
      ],
    ];

    it.each(forgeries)('%s: refused', async (name, sql, key) => {
      for (const who of [attackerReal, attackerShadow, null]) {
        const r = await attempt(server, who, sql, [ids[key]]);
        expect(r.denied || r.changed === 0, name).toBe(true);
      }
    });

    it('security-definer entry points cannot be abused by anon or another account', async () => {
      expect(
        (await attempt(server, null, `select public.custom_access_token_hook('{}'::jsonb)`)).denied,
      ).toBe(true);
      expect(
        (
          await attempt(server, attackerReal, `select public.custom_access_token_hook($1::jsonb)`, [
            JSON.stringify({ user_id: owner.userId, claims: {} }),
          ])
        ).denied,
      ).toBe(true);
      expect((await attempt(server, attackerReal, 'select public.publish_due_posts()')).denied).toBe(true);
      // Money moves only through the ledger functions, and only the service path may credit or release.
      for (const sql of [
        `select * from public.credit_coin_purchase('local', 'forged', auth.uid(), gen_random_uuid(), 1, 'USD')`,
        `select * from public.reverse_coin_purchase('local', 'x1', 'refund')`,
        `select * from public.ledger_post('x', 'k', 'h', null, '{}', '[]')`,
        `select * from public.spend_to_creator('tip', auth.uid(), null, gen_random_uuid(), 1, 'k', '{}')`,
        'select * from public.renew_subscriptions()',
        'select public.release_earnings()',
        'select * from public.ledger_invariant_violations()',
        'select public.schedule_payouts()',
        'select public.purge_expired_messages(now(), 10)',
        'select * from public.claim_due_payouts()',
        `select public.mark_payout_paid(gen_random_uuid(), 'x')`,
        `select public.mark_payout_failed(gen_random_uuid(), 'x')`,
        `select public.approve_payout(gen_random_uuid())`,
        `update public.ledger_accounts set balance = 1000000 where user_id = auth.uid()`,
        `insert into public.ledger_entries (transaction_id, account_id, amount) values (gen_random_uuid(), gen_random_uuid(), 5)`,
      ]) {
        for (const who of [attackerReal, null])
          expect((await attempt(server, who, sql)).denied, sql).toBe(true);
      }
      expect((await attempt(server, null, `select public.switch_persona('shadow')`)).denied).toBe(true);
      const revoke = await attempt(
        server,
        attackerReal,
        'select public.revoke_my_session(id) from public.list_my_sessions()',
      );
      expect(revoke.rows).toBe(1); // only their own session is listed
      const sessions = await server.db.as(ownerClaims, (tx) =>
        tx.query('select * from public.list_my_sessions()'),
      );
      expect(sessions.rows.length).toBe(1);
    });
  },
);
