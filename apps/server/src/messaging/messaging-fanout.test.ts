import { hashContacts } from '@ipelya/contracts';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimsOf,
  connectRealtime,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.ts';
import { conversationFanout } from './messaging.service.ts';

// biome-ignore lint/suspicious/noExplicitAny: realtime payloads are asserted structurally
type Event = { type: string; [k: string]: any };
const connect = (url: string, token: string) => connectRealtime<Event>(url, token);
const settle = () => new Promise((r) => setTimeout(r, 400));
const personaOf = (u: TestUser) => claimsOf(u).persona_id!;

/** Two personas that follow each other (so no request step) with a conversation between them. */
async function pair(server: TestServer, a?: TestUser, b?: TestUser) {
  const alice = a ?? (await signIn(server));
  const bob = b ?? (await signIn(server));
  await alice.api.follow(personaOf(bob));
  await bob.api.follow(personaOf(alice));
  const conv = await alice.api.startConversation(personaOf(bob));
  return { alice, bob, conv: conv.id };
}

/**
 * Counts the transactions and statements the database is asked for while `fn` runs (every transaction of the
 * process goes through driver.transaction: asUser, asAnon and service alike).
 */
async function counting(db: Database, fn: () => Promise<void>) {
  const driver = db.driver as { transaction: Database['driver']['transaction'] };
  const original = driver.transaction;
  const seen = { transactions: 0, statements: 0 };
  driver.transaction = <T>(run: (tx: Queryable) => Promise<T>) =>
    original.call(db.driver, (tx: Queryable) => {
      seen.transactions++;
      return run({
        query: (sql, params) => {
          seen.statements++;
          if (process.env.DEBUG_FANOUT) console.log(sql.slice(0, 120).replace(/\s+/g, ' '));
          return tx.query(sql, params);
        },
        exec: (sql) => tx.exec(sql),
      } as Queryable);
    }) as Promise<T>;
  try {
    await fn();
  } finally {
    driver.transaction = original;
  }
  return seen;
}

/**
 * What each member's own RLS shows of an event (the per-socket reads the dispatcher used to make): the oracle
 * realtime_conversation_fanout must agree with.
 */
async function underRls(db: Database, claims: JwtClaims, conv: string, messageId: string, readerId: string) {
  return db.asUser(claims, async (tx) => {
    const receives = (
      await tx.query<{ ok: boolean }>(
        `select exists (select 1 from public.conversation_members m where m.conversation_id = $1
           and m.profile_id = public.current_persona_id() and m.state in ('active', 'request')) as ok`,
        [conv],
      )
    ).rows[0]!.ok;
    const message = (
      await tx.query<{ locked: boolean }>(
        `select (m.price_coins is not null and m.sender_id <> public.current_persona_id()
                 and not exists (select 1 from public.message_unlocks u where u.message_id = m.id
                                 and u.buyer_id = public.current_persona_id())) as locked
           from public.messages m where m.id = $1`,
        [messageId],
      )
    ).rows[0];
    const read = (
      await tx.query(
        `select 1 from public.conversation_members where conversation_id = $1 and profile_id = $2
           and not public.is_blocked_by(profile_id)`,
        [conv, readerId],
      )
    ).rows.length;
    return receives ? { message: message ? { locked: message.locked } : null, read: read > 0 } : null;
  });
}

/** The fan-out's answer in the oracle's shape, per member persona. */
async function fannedOut(db: Database, conv: string, messageId: string, readerId: string) {
  const out = new Map<string, { message: { locked: boolean } | null; read: boolean }>();
  for (const r of await conversationFanout(db, conv, { messageId, readerId })) {
    const m = await r.message();
    out.set(r.personaId, { message: m ? { locked: m.locked } : null, read: r.read !== null });
  }
  return out;
}

describe.each(dbTargets())('realtime fan-out of conversation events (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('reads each event once for all its recipients, however many sockets they have', async () => {
    const { alice, bob, conv } = await pair(server);
    const sockets = [
      ...(await Promise.all([1, 2, 3].map(() => connect(server.url, alice.accessToken())))),
      ...(await Promise.all([1, 2, 3, 4, 5].map(() => connect(server.url, bob.accessToken())))),
    ];
    for (const body of ['first', 'second']) {
      const seen = await counting(server.db, async () => {
        // The send itself, one transaction as the app makes it (the HTTP path adds its session check).
        const id = await server.db.asUser(claimsOf(alice), async (tx) => {
          const { rows } = await tx.query<{ id: string }>('select public.send_message($1, $2, null) as id', [
            conv,
            body,
          ]);
          return rows[0]!.id;
        });
        for (const s of sockets) await s.waitFor((m) => m.type === 'message' && m.message.id === id);
        await server.realtime.idle();
      });
      // One for the send, one fan-out for 8 sockets of 2 personas carrying the message and the sender's read
      // marker (it used to be 1 + 2 × (1 + 8)).
      expect(seen).toEqual({ transactions: 2, statements: 2 + 2 });
    }
    // Bob's sockets may have left his session check in the cache (decision 024); start from a cold cache so the
    // count does not depend on the clock.
    server.sessions.forgetAll();
    const reads = await counting(server.db, async () => {
      await bob.api.markRead(conv);
      for (const s of sockets) await s.waitFor((m) => m.type === 'read');
      await server.realtime.idle();
    });
    // Session check + mark read + one fan-out.
    expect(reads.transactions).toBe(3);
    for (const s of sockets) s.ws.close();
  });

  it('the HTTP send is one transaction besides the session check, and answers the stored message', async () => {
    const { alice, conv } = await pair(server);
    await server.realtime.idle(); // the follows' notifications of pair() are not this send's
    await settle();
    server.sessions.forgetAll(); // a cold session cache: the count below includes the session check
    let sent: Awaited<ReturnType<typeof alice.api.sendMessage>> | undefined;
    const seen = await counting(server.db, async () => {
      sent = await alice.api.sendMessage(conv, { body: 'over http' });
      await server.realtime.idle();
    });
    expect(sent).toMatchObject({ conversation_id: conv, body: 'over http', locked: false, kind: 'text' });
    expect(sent!.cursor).toBeTruthy();
    // Session check, send (sealing plan + insert + row in one statement) and no fan-out (nobody connected).
    expect(seen).toEqual({ transactions: 2, statements: 2 + 2 });
  });

  it('answers for every member what their own RLS shows: paid, blocked, left, firewalled', async () => {
    const check = async (conv: string, members: TestUser[], messageId: string, readerId: string) => {
      const fan = await fannedOut(server.db, conv, messageId, readerId);
      for (const u of members) {
        const expected = await underRls(server.db, claimsOf(u), conv, messageId, readerId);
        expect({ persona: personaOf(u), got: fan.get(personaOf(u)) ?? null }).toEqual({
          persona: personaOf(u),
          got: expected,
        });
      }
      return fan;
    };

    // A paid message: sealed for the buyer-to-be, open for its sender.
    const { alice: creator, bob: fan, conv } = await pair(server);
    await makeCreator(creator);
    const paid = await creator.api.sendMessage(conv, { body: 'pay to read', price_coins: 5 });
    const paidFan = await check(conv, [creator, fan], paid.id, personaOf(fan));
    expect(paidFan.get(personaOf(fan))?.message).toEqual({ locked: true });
    expect(paidFan.get(personaOf(creator))?.message).toEqual({ locked: false });

    // The fan blocks the creator: the creator no longer sees the fan's read state; the fan still sees theirs.
    await fan.api.block(personaOf(creator));
    const blocked = await check(conv, [creator, fan], paid.id, personaOf(fan));
    expect(blocked.get(personaOf(creator))?.read).toBe(false);
    expect(blocked.get(personaOf(fan))?.read).toBe(true);

    // A member who left receives nothing at all.
    const { alice, bob, conv: c2 } = await pair(server);
    const hi = await alice.api.sendMessage(c2, { body: 'hi' });
    await server.db.service('test', (tx) =>
      tx.query(
        `update public.conversation_members set state = 'left' where conversation_id = $1 and profile_id = $2`,
        [c2, personaOf(bob)],
      ),
    );
    const left = await check(c2, [alice, bob], hi.id, personaOf(alice));
    expect([...left.keys()]).toEqual([personaOf(alice)]);

    // Firewall: the victim's address book holds the contact; the contact's shadow no longer sees the victim's.
    const victim = await signIn(server);
    const contactEmail = uniqueEmail('contact');
    const contact = await signIn(server, contactEmail);
    await switchTo(victim, 'shadow');
    await switchTo(contact, 'shadow');
    const shadowConv = (await contact.api.startConversation(personaOf(victim))).id;
    const before = await contact.api.sendMessage(shadowConv, { body: 'hello' });
    const { hash_key } = await victim.api.contactsStatus();
    await victim.api.uploadContacts({ hashes: hashContacts(hash_key, { emails: [contactEmail] }) });
    const walled = await check(shadowConv, [victim, contact], before.id, personaOf(victim));
    expect([...walled.keys()]).toEqual([personaOf(victim)]);
  });

  it('never delivers what RLS would not show: left, firewalled, the same account’s other persona, outsiders', async () => {
    // The same account on two sockets: its real persona and its shadow persona.
    const alice = await signIn(server);
    const aliceReal = alice.accessToken();
    const { bob, conv } = await pair(server, alice);
    const carol = await signIn(server);
    const realSocket = await connect(server.url, aliceReal);
    await switchTo(alice, 'shadow');
    const shadowSocket = await connect(server.url, alice.accessToken());
    expect(shadowSocket.messages[0]).toMatchObject({ type: 'ready', persona_id: personaOf(alice) });
    const bobSocket = await connect(server.url, bob.accessToken());
    const carolSocket = await connect(server.url, carol.accessToken());

    const hello = await bob.api.sendMessage(conv, { body: 'to your real persona' });
    await realSocket.waitFor((m) => m.type === 'message' && m.message.id === hello.id);
    await bobSocket.waitFor((m) => m.type === 'message' && m.message.id === hello.id);

    // Bob leaves: Alice's next message reaches her own socket, not his.
    await server.db.service('test', (tx) =>
      tx.query(
        `update public.conversation_members set state = 'left' where conversation_id = $1 and profile_id = $2`,
        [conv, personaOf(bob)],
      ),
    );
    const afterLeft = await server.db.asUser(claimsOf(aliceReal), async (tx) => {
      const { rows } = await tx.query<{ id: string }>('select public.send_message($1, $2, null) as id', [
        conv,
        'after you left',
      ]);
      return rows[0]!.id;
    });
    await realSocket.waitFor((m) => m.type === 'message' && m.message.id === afterLeft);
    await server.realtime.idle();
    await settle();
    expect(bobSocket.messages.some((m) => m.type === 'message' && m.message.id === afterLeft)).toBe(false);

    // Firewall: the contact's shadow socket gets nothing of the victim's conversation once walled.
    const victim = await signIn(server);
    const contactEmail = uniqueEmail('contact');
    const contact = await signIn(server, contactEmail);
    await switchTo(victim, 'shadow');
    await switchTo(contact, 'shadow');
    const shadowConv = (await contact.api.startConversation(personaOf(victim))).id;
    await contact.api.sendMessage(shadowConv, { body: 'hello' });
    const victimSocket = await connect(server.url, victim.accessToken());
    const contactSocket = await connect(server.url, contact.accessToken());
    const { hash_key } = await victim.api.contactsStatus();
    await victim.api.uploadContacts({ hashes: hashContacts(hash_key, { emails: [contactEmail] }) });
    const walled = await victim.api.sendMessage(shadowConv, { body: 'you cannot see this' });
    await victimSocket.waitFor((m) => m.type === 'message' && m.message.id === walled.id);
    await server.realtime.idle();
    await settle();
    expect(JSON.stringify(contactSocket.messages)).not.toContain(walled.id);

    // Neither the other persona of Alice's account nor an outsider heard anything of her real conversation.
    for (const s of [shadowSocket, carolSocket]) {
      expect(s.messages.filter((m) => m.type !== 'ready')).toEqual([]);
    }
    for (const s of [realSocket, shadowSocket, bobSocket, carolSocket, victimSocket, contactSocket])
      s.ws.close();
  });

  it('a blocked member gets no read receipts; the blocker’s own devices do', async () => {
    const { alice, bob, conv } = await pair(server);
    await alice.api.sendMessage(conv, { body: 'read me' });
    const aliceSocket = await connect(server.url, alice.accessToken());
    const bobTablet = await connect(server.url, bob.accessToken());
    await bob.api.block(personaOf(alice));
    await bob.api.markRead(conv);
    await bobTablet.waitFor((m) => m.type === 'read' && m.read.profile_id === personaOf(bob));
    await server.realtime.idle();
    await settle();
    expect(aliceSocket.messages.some((m) => m.type === 'read')).toBe(false);
    aliceSocket.ws.close();
    bobTablet.ws.close();
  });
});

describe('the fan-out mirrors the select policies it evaluates', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  it('lists every select policy on messages and conversation_members (a new one must be added to realtime_conversation_fanout)', async () => {
    const { rows } = await server.db.service('test', (tx) =>
      tx.query<{ tablename: string; policyname: string }>(
        `select tablename, policyname from pg_policies where schemaname = 'public'
           and tablename in ('messages', 'conversation_members') and cmd in ('SELECT', 'ALL')
         order by tablename, policyname`,
      ),
    );
    expect(rows.map((r) => `${r.tablename}: ${r.policyname}`)).toEqual([
      'conversation_members: Members of hidden conversations are hidden',
      'conversation_members: Members see the member list',
      'messages: Members read unexpired messages',
      'messages: Messages of hidden conversations are hidden',
    ]);
  });
});
