import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimsOf,
  connectRealtime,
  dbTargets,
  freshPostgresDatabase,
  postgresAvailable,
  signIn,
  spawnServerProcess,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { purgeExpiredMessages } from './no-trace.service.ts';

// biome-ignore lint/suspicious/noExplicitAny: realtime payloads are asserted structurally
type Event = { type: string; [k: string]: any };
const connect = (url: string, token: string) => connectRealtime<Event>(url, token);
const later = (ms: number) => new Date(Date.now() + ms);
const settle = () => new Promise((r) => setTimeout(r, 400));

/** Two personas that follow each other (so no request step) with a conversation between them. */
async function pair(server: TestServer) {
  const alice = await signIn(server);
  const bob = await signIn(server);
  await alice.api.follow(claimsOf(bob).persona_id!);
  await bob.api.follow(claimsOf(alice).persona_id!);
  const conv = await alice.api.startConversation(claimsOf(bob).persona_id!);
  return { alice, bob, conv: conv.id };
}

describe.each(dbTargets())('message deletion events (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('expired messages are announced as deleted to every device of both members, and to nobody else', async () => {
    const { alice, bob, conv } = await pair(server);
    const outsider = await signIn(server);
    await alice.api.setConversationTimer(conv, '5m');
    const aliceSocket = await connect(server.url, alice.accessToken());
    const bobPhone = await connect(server.url, bob.accessToken());
    const bobTablet = await connect(server.url, bob.accessToken());
    const outsiderSocket = await connect(server.url, outsider.accessToken());
    const sent = [
      await alice.api.sendMessage(conv, { body: 'one' }),
      await bob.api.sendMessage(conv, { body: 'two' }),
    ];
    await bobTablet.waitFor((m) => m.type === 'message' && m.message.id === sent[0]!.id);

    expect(await purgeExpiredMessages(server.db, server.storage, { asOf: later(6 * 60_000) })).toBe(2);
    for (const socket of [aliceSocket, bobPhone, bobTablet]) {
      const gone = await socket.waitFor((m) => m.type === 'deleted' && m.conversation_id === conv);
      expect([...gone.message_ids].sort()).toEqual(sent.map((m) => m.id).sort());
    }
    await settle();
    expect(outsiderSocket.messages.filter((m) => m.type !== 'ready')).toEqual([]);
    // The event carries ids only: no body of what was deleted.
    expect(JSON.stringify(bobPhone.messages.filter((m) => m.type === 'deleted'))).not.toMatch(/one|two/);
    for (const s of [aliceSocket, bobPhone, bobTablet, outsiderSocket]) s.ws.close();
  });
});

describe.skipIf(!postgresAvailable())('messaging across two server processes sharing PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let first: TestServer;
  let second: Awaited<ReturnType<typeof spawnServerProcess>>;
  let alice: TestUser;
  let bob: TestUser;
  let conv: string;

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    first = await startTestServer('postgres', {}, { url: db.url });
    second = await spawnServerProcess(db.url);
    ({ alice, bob, conv } = await pair(first));
  });
  afterAll(async () => {
    await second?.stop();
    await first?.close();
    await db?.drop();
  });

  it('message, read, typing and deletion events cross processes; reconnect catches up by cursor', async () => {
    // Alice is connected to process A, Bob's two devices to process B.
    const aliceOnA = await connect(first.url, alice.accessToken());
    const bobOnB = await connect(second.url, bob.accessToken());
    const bobTabletOnB = await connect(second.url, bob.accessToken());

    const hello = await alice.api.sendMessage(conv, { body: 'across processes' });
    for (const s of [bobOnB, bobTabletOnB]) {
      const got = await s.waitFor((m) => m.type === 'message' && m.message.id === hello.id);
      expect(got.message.body).toBe('across processes');
    }
    // Alice's own other devices see her message too (multi-device).
    await aliceOnA.waitFor((m) => m.type === 'message' && m.message.id === hello.id);

    await bob.api.markRead(conv);
    const read = await aliceOnA.waitFor(
      (m) => m.type === 'read' && m.read.profile_id === claimsOf(bob).persona_id,
    );
    expect(read.read.conversation_id).toBe(conv);

    bobOnB.ws.send(JSON.stringify({ type: 'typing', conversation_id: conv }));
    await aliceOnA.waitFor((m) => m.type === 'typing' && m.conversation_id === conv);

    // Bob's tablet drops off; messages sent meanwhile are fetched after the last cursor it saw.
    bobTabletOnB.ws.close();
    const missed = [
      await alice.api.sendMessage(conv, { body: 'while you were away 1' }),
      await alice.api.sendMessage(conv, { body: 'while you were away 2' }),
    ];
    const caughtUp = await bob.api.messages(conv, { after: hello.cursor });
    expect(caughtUp.items.map((m) => m.id)).toEqual(missed.map((m) => m.id));

    // Deletions by the purge (run on process A's database handle) reach Bob on process B.
    await alice.api.setConversationTimer(conv, '1h');
    const doomed = await alice.api.sendMessage(conv, { body: 'self-destructs' });
    await bobOnB.waitFor((m) => m.type === 'message' && m.message.id === doomed.id);
    await purgeExpiredMessages(first.db, first.storage, { asOf: later(2 * 3_600_000) });
    const gone = await bobOnB.waitFor((m) => m.type === 'deleted' && m.message_ids.includes(doomed.id));
    expect(gone.conversation_id).toBe(conv);
    aliceOnA.ws.close();
    bobOnB.ws.close();
  });
});
