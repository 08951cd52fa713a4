import type { Database } from '@ipelya/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claimsOf,
  connectRealtime,
  dbTargets,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.ts';
import { listConversations } from './messaging.service.ts';

type Event = { type: string; [k: string]: unknown };

/** The same database, counting the statements run inside `asUser` (to catch one query per row). */
function countingQueries(db: Database) {
  const seen = { count: 0 };
  const counted: Database = Object.create(db);
  counted.asUser = (claims, fn) =>
    db.asUser(claims, (tx) =>
      fn({
        query(sql, params) {
          seen.count += 1;
          return tx.query(sql, params);
        },
        exec: (sql) => tx.exec(sql),
      }),
    );
  return { db: counted, seen };
}

const connect = (url: string, token: string) => connectRealtime<Event>(url, token);

const personaOf = (u: TestUser) => claimsOf(u).persona_id!;
// biome-ignore lint/suspicious/noExplicitAny: event payloads are asserted structurally
const inConv = (id: string) => (m: any) =>
  (m.type === 'message' && m.message.conversation_id === id) ||
  (m.type === 'read' && m.read.conversation_id === id) ||
  (m.type === 'typing' && m.conversation_id === id);

describe.each(dbTargets())('conversations (%s)', (target) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const start = (u: TestUser, profileId: string) =>
    call(server, 'POST', '/api/conversations', u.accessToken(), { profile_id: profileId });
  const send = (u: TestUser, id: string, body: unknown) =>
    call(server, 'POST', `/api/conversations/${id}/messages`, u.accessToken(), body);

  beforeAll(async () => {
    server = await startTestServer(target);
    alice = await signIn(server);
    bob = await signIn(server);
  });
  afterAll(() => server?.dispose());

  it('only joins personas of the same kind, and returns the existing 1:1 conversation', async () => {
    const me = await bob.api.me();
    const mixed = await start(alice, me.shadow_profile!.id);
    expect(mixed.status).toBe(403);
    const first = await start(alice, me.real_profile!.id);
    expect(first.status).toBe(200);
    expect(first.json.kind).toBe('real');
    const again = await start(alice, me.real_profile!.id);
    expect(again.json.id).toBe(first.json.id);
    // From bob's side too: one conversation per pair.
    const reverse = await start(bob, personaOf(alice));
    expect(reverse.json.id).toBe(first.json.id);
    const self = await start(alice, personaOf(alice));
    expect(self.status).toBe(400);
  });

  it('lands a first message from a non-follower in requests; accept moves it into conversations', async () => {
    const sender = await signIn(server);
    const recipient = await signIn(server);
    const conv = await start(sender, personaOf(recipient));
    expect((await send(sender, conv.json.id, { body: 'hello there' })).status).toBe(201);
    let list = await call(server, 'GET', '/api/conversations', recipient.accessToken());
    expect(list.json.requests.map((c: { id: string }) => c.id)).toEqual([conv.json.id]);
    expect(list.json.conversations).toEqual([]);
    expect(list.json.requests[0].unread_count).toBe(1);
    expect(list.json.requests[0].other.id).toBe(personaOf(sender));
    const senderList = await call(server, 'GET', '/api/conversations', sender.accessToken());
    expect(senderList.json.conversations.map((c: { id: string }) => c.id)).toEqual([conv.json.id]);
    const accepted = await call(
      server,
      'POST',
      `/api/conversations/${conv.json.id}/accept`,
      recipient.accessToken(),
    );
    expect(accepted.json.state).toBe('active');
    list = await call(server, 'GET', '/api/conversations', recipient.accessToken());
    expect(list.json.requests).toEqual([]);
    expect(list.json.conversations.map((c: { id: string }) => c.id)).toEqual([conv.json.id]);
  });

  it('lists each conversation with its own latest message, in the same number of queries for 1 or 4', async () => {
    const hub = await signIn(server);
    const counted = countingQueries(server.db);
    const list = () => listConversations(counted.db, claimsOf(hub));
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const other = await signIn(server);
      const conv = (await start(hub, personaOf(other))).json.id as string;
      expect((await send(hub, conv, { body: `older ${i}` })).status).toBe(201);
      expect((await send(hub, conv, { body: `latest ${i}` })).status).toBe(201);
      bodies.unshift(`latest ${i}`);
      if (i === 0) {
        counted.seen.count = 0;
        await list();
      }
    }
    const forOne = counted.seen.count;
    counted.seen.count = 0;
    const { conversations } = await list();
    // Newest conversation first, each with its own last message.
    expect(conversations.map((c) => c.last_message?.body)).toEqual(bodies);
    expect(counted.seen.count).toBe(forOne);
  });

  it('does not make a request of a message from someone the recipient follows', async () => {
    const sender = await signIn(server);
    const recipient = await signIn(server);
    await recipient.api.follow(personaOf(sender));
    const conv = await start(sender, personaOf(recipient));
    await send(sender, conv.json.id, { body: 'hi' });
    const list = await call(server, 'GET', '/api/conversations', recipient.accessToken());
    expect(list.json.requests).toEqual([]);
    expect(list.json.conversations[0].id).toBe(conv.json.id);
  });

  it('decline hides the request; block also stops messages and hides the blocker profile', async () => {
    const spammer = await signIn(server);
    const recipient = await signIn(server);
    const bystander = await signIn(server);
    const conv = await start(spammer, personaOf(recipient));
    await send(spammer, conv.json.id, { body: 'buy now' });
    const declined = await call(
      server,
      'POST',
      `/api/conversations/${conv.json.id}/decline`,
      recipient.accessToken(),
    );
    expect(declined.json.state).toBe('declined');
    const list = await call(server, 'GET', '/api/conversations', recipient.accessToken());
    expect([...list.json.requests, ...list.json.conversations]).toEqual([]);

    const handle = (await recipient.api.me()).real_profile!.handle;
    expect((await call(server, 'GET', `/api/profiles/${handle}`, spammer.accessToken())).status).toBe(200);
    const blocked = await call(
      server,
      'POST',
      `/api/conversations/${conv.json.id}/block`,
      recipient.accessToken(),
    );
    expect(blocked.status).toBe(200);
    // The blocked side's send answers exactly like one into a conversation that does not exist.
    const again = await send(spammer, conv.json.id, { body: 'again' });
    const nowhere = await send(spammer, '00000000-0000-4000-8000-000000000000', { body: 'again' });
    expect(again.status).toBe(404);
    expect({ ...again.json.error, request_id: null }).toEqual({ ...nowhere.json.error, request_id: null });
    expect((await start(spammer, personaOf(recipient))).status).toBe(404);
    expect((await call(server, 'GET', `/api/profiles/${handle}`, spammer.accessToken())).status).toBe(404);
    // Everyone else still sees the profile; the blocker cannot message the blocked either.
    expect((await call(server, 'GET', `/api/profiles/${handle}`, bystander.accessToken())).status).toBe(200);
    expect((await call(server, 'GET', `/api/profiles/${handle}`, null)).status).toBe(200);
    expect((await start(recipient, personaOf(spammer))).status).toBe(403);
    // The block row is the blocker's alone.
    const rows = await server.db.as(claimsOf(spammer), (tx) => tx.query('select * from public.blocks'));
    expect(rows.rows).toEqual([]);
  });

  it('sends only the sender’s own ready image/audio/video media', async () => {
    const conv = await start(alice, personaOf(bob));
    const [mine, theirs, pending, pdf] = await server.db.service('test:media', async (tx) => {
      const ins = async (owner: string, type: string, status: string) =>
        (
          await tx.query<{ id: string }>(
            `insert into media_objects (owner_id, bucket, object_path, content_type, size_bytes, status)
             values ($1, 'creator-media', 'creator-media/' || gen_random_uuid(), $2, 10, $3) returning id`,
            [owner, type, status],
          )
        ).rows[0]!.id;
      return [
        await ins(personaOf(alice), 'audio/mp4', 'ready'),
        await ins(personaOf(bob), 'image/png', 'ready'),
        await ins(personaOf(alice), 'image/png', 'pending'),
        await ins(personaOf(alice), 'application/pdf', 'ready'),
      ];
    });
    const ok = await send(alice, conv.json.id, { media_id: mine });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ kind: 'audio', media_id: mine, body: '' });
    for (const media of [theirs, pending, pdf])
      expect((await send(alice, conv.json.id, { media_id: media })).status).toBe(400);
    expect((await send(alice, conv.json.id, {})).status).toBe(400);
  });

  it('a stranger, a non-member and the other persona of a member learn nothing of the conversation', async () => {
    const conv = await start(alice, personaOf(bob));
    const stranger = await signIn(server);
    // Alice's own other persona, in a second session of the same account.
    const aliceEmail = uniqueEmail('alice2');
    const owner = await signIn(server, aliceEmail);
    const ownerPeer = await signIn(server);
    const ownConv = await start(owner, personaOf(ownerPeer));
    await send(owner, ownConv.json.id, { body: 'real persona secret' });
    const ownerShadow = await signIn(server, aliceEmail);
    await switchTo(ownerShadow, 'shadow');

    const sockets = {
      stranger: await connect(server.url, stranger.accessToken()),
      shadow: await connect(server.url, ownerShadow.accessToken()),
    };
    await send(alice, conv.json.id, { body: 'for bob only' });
    await send(owner, ownConv.json.id, { body: 'for the peer only' });

    for (const [who, u, id] of [
      ['stranger', stranger, conv.json.id],
      ['other persona', ownerShadow, ownConv.json.id],
      ['non-member', stranger, ownConv.json.id],
    ] as const) {
      expect(
        (await call(server, 'GET', `/api/conversations/${id}/messages`, u.accessToken())).status,
        who,
      ).toBe(404);
      expect((await call(server, 'GET', `/api/conversations/${id}`, u.accessToken())).status, who).toBe(404);
      expect((await send(u, id, { body: 'intrude' })).status, who).toBe(404);
      expect((await call(server, 'POST', `/api/conversations/${id}/read`, u.accessToken())).status, who).toBe(
        404,
      );
      expect(
        (await call(server, 'POST', `/api/conversations/${id}/accept`, u.accessToken())).status,
        who,
      ).toBe(404);
      const list = await call(server, 'GET', '/api/conversations', u.accessToken());
      expect([...list.json.conversations, ...list.json.requests], who).toEqual([]);
      // Straight SQL under their own claims: no rows either.
      const direct = await server.db.as(claimsOf(u), (tx) =>
        tx.query('select * from public.messages where conversation_id = $1', [id]),
      );
      expect(direct.rows, who).toEqual([]);
      // Typing into a foreign conversation reaches nobody.
      sockets.stranger.ws.send(JSON.stringify({ type: 'typing', conversation_id: id }));
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const s of Object.values(sockets)) {
      expect(s.messages.filter(inConv(conv.json.id))).toEqual([]);
      expect(s.messages.filter(inConv(ownConv.json.id))).toEqual([]);
      s.ws.close();
    }
  });

  it('catch-up by cursor returns exactly the missed messages, oldest first; paging back works newest first', async () => {
    const sender = await signIn(server);
    const reader = await signIn(server);
    await reader.api.follow(personaOf(sender));
    const conv = await start(sender, personaOf(reader));
    const id = conv.json.id;
    for (const body of ['one', 'two', 'three']) await send(sender, id, { body });
    const seen = await call(server, 'GET', `/api/conversations/${id}/messages`, reader.accessToken());
    expect(seen.json.items.map((m: { body: string }) => m.body)).toEqual(['three', 'two', 'one']);
    const cursor = seen.json.items[0].cursor;
    // Offline now: these are missed.
    for (const body of ['four', 'five', 'six']) await send(sender, id, { body });
    const missed = await call(
      server,
      'GET',
      `/api/conversations/${id}/messages?after=${encodeURIComponent(cursor)}`,
      reader.accessToken(),
    );
    expect(missed.json.items.map((m: { body: string }) => m.body)).toEqual(['four', 'five', 'six']);
    expect(missed.json.next_cursor).toBeNull();
    const paged = await call(
      server,
      'GET',
      `/api/conversations/${id}/messages?after=${encodeURIComponent(cursor)}&limit=2`,
      reader.accessToken(),
    );
    expect(paged.json.items.map((m: { body: string }) => m.body)).toEqual(['four', 'five']);
    const rest = await call(
      server,
      'GET',
      `/api/conversations/${id}/messages?after=${encodeURIComponent(paged.json.next_cursor)}`,
      reader.accessToken(),
    );
    expect(rest.json.items.map((m: { body: string }) => m.body)).toEqual(['six']);
    const back = await call(server, 'GET', `/api/conversations/${id}/messages?limit=2`, reader.accessToken());
    expect(back.json.items.map((m: { body: string }) => m.body)).toEqual(['six', 'five']);
    const older = await call(
      server,
      'GET',
      `/api/conversations/${id}/messages?limit=2&before=${encodeURIComponent(back.json.next_cursor)}`,
      reader.accessToken(),
    );
    expect(older.json.items.map((m: { body: string }) => m.body)).toEqual(['four', 'three']);
  });

  it('delivers a message to every device of the persona, syncs read state, and relays typing', async () => {
    const email = uniqueEmail('multi');
    const phone = await signIn(server, email);
    const tablet = await signIn(server, email);
    const friend = await signIn(server);
    expect(personaOf(phone)).toBe(personaOf(tablet));
    const conv = await start(friend, personaOf(phone));
    const id = conv.json.id;
    const a = await connect(server.url, phone.accessToken());
    const b = await connect(server.url, tablet.accessToken());
    const f = await connect(server.url, friend.accessToken());
    const sent = await send(friend, id, { body: 'to all your devices' });
    for (const s of [a, b])
      expect(await s.waitFor((m) => m.type === 'message')).toMatchObject({
        message: { id: sent.json.id, body: 'to all your devices', sender_id: personaOf(friend) },
      });

    const read = await call(server, 'POST', `/api/conversations/${id}/read`, phone.accessToken());
    expect(read.status).toBe(200);
    // The tablet learns it was read elsewhere; the sender gets the receipt.
    const pred = (m: Event) =>
      m.type === 'read' && (m.read as { profile_id: string }).profile_id === personaOf(phone);
    for (const s of [b, f]) expect(await s.waitFor(pred)).toMatchObject({ read: { conversation_id: id } });
    const onTablet = await call(server, 'GET', `/api/conversations/${id}`, tablet.accessToken());
    expect(onTablet.json.unread_count).toBe(0);
    expect(onTablet.json.last_read_at).toBe(read.json.last_read_at);
    const forFriend = await call(server, 'GET', `/api/conversations/${id}`, friend.accessToken());
    expect(forFriend.json.other_last_read_at).toBe(read.json.last_read_at);

    // Typing: to the other member only, and rate-limited.
    for (let i = 0; i < 5; i++) f.ws.send(JSON.stringify({ type: 'typing', conversation_id: id }));
    await a.waitFor((m) => m.type === 'typing');
    await new Promise((r) => setTimeout(r, 400));
    expect(a.messages.filter((m) => m.type === 'typing')).toEqual([
      { type: 'typing', conversation_id: id, profile_id: personaOf(friend) },
    ]);
    expect(f.messages.filter((m) => m.type === 'typing')).toEqual([]);
    for (const s of [a, b, f]) s.ws.close();
  });
});
