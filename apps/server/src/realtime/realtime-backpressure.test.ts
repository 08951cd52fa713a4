import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  claimsOf,
  connectRealtime,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { OVERLOADED_CLOSE, REALTIME_CHANNEL, Realtime, SLOW_CONSUMER_CLOSE } from './realtime.ts';
import { type RealtimeTopic, realtimeTopic } from './topics.ts';

// biome-ignore lint/suspicious/noExplicitAny: frames are asserted structurally
type Event = { type: string; [k: string]: any };

/** A second dispatcher on the test server's database and tokens, with its own topics and limits. */
async function dispatcherOn(
  server: TestServer,
  topics: RealtimeTopic[],
  limits: ConstructorParameters<typeof Realtime>[5],
) {
  const realtime = new Realtime(server.db, server.verify, server.log, { topics }, undefined, limits);
  await realtime.start();
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  realtime.attach(http);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    realtime,
    url,
    close: async () => {
      await realtime.stop();
      http.closeAllConnections();
      await new Promise((ok) => http.close(ok));
    },
  };
}

const publish = (server: TestServer, events: object[]) =>
  server.db.service('test', async (tx) => {
    for (const e of events) await tx.query('select pg_notify($1, $2)', [REALTIME_CHANNEL, JSON.stringify(e)]);
  });

const closed = (ws: WebSocket | import('ws').WebSocket) =>
  new Promise<{ code: number; reason: string }>((ok) =>
    (ws as import('ws').WebSocket).once('close', (code, reason) => ok({ code, reason: reason.toString() })),
  );

describe('realtime backpressure', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    alice = await signIn(server);
    bob = await signIn(server);
  });
  afterAll(() => server?.dispose());

  it('closes a socket that does not read (4008) once its buffer is full; the others keep receiving everything', async () => {
    const frame = 'x'.repeat(256 * 1024);
    const flood = realtimeTopic({
      topic: 'test_flood',
      payload: z.object({ personas: z.array(z.guid()), n: z.number() }),
      handle: (ctx, e) => {
        for (const p of e.personas)
          for (const c of ctx.live(p)) ctx.send(c, { type: 'error', code: `flood-${e.n}`, message: frame });
      },
    });
    const d = await dispatcherOn(server, [flood], {
      socketBufferBytes: 512 * 1024,
      slowCloseGraceMs: 30_000,
    });
    try {
      const reader = await connectRealtime<Event>(d.url, alice.accessToken());
      const stalled = await connectRealtime<Event>(d.url, alice.accessToken()); // same persona, other device
      const other = await connectRealtime<Event>(d.url, bob.accessToken());
      const stalledClosed = closed(stalled.ws);
      stalled.ws.pause(); // stops reading: the kernel buffers fill, then ws's
      const personas = [claimsOf(alice).persona_id!, claimsOf(bob).persona_id!];
      const n = 100; // 25 MiB per socket: more than loopback's socket buffers hold
      const floods = (s: { messages: Event[] }) => s.messages.filter((m) => m.type === 'error').length;
      // Paced like real traffic (the readers live in this process too, so they read between events); polled
      // counts, as waitFor would print 25 MiB of frames on a failure.
      for (let i = 0; i < n; i++) {
        await publish(server, [{ topic: 'test_flood', personas, n: i }]);
        for (let t = 0; t < 200 && (floods(reader) <= i || floods(other) <= i); t++)
          await new Promise((r) => setTimeout(r, 10));
      }
      await d.realtime.idle();
      for (const s of [reader, other]) expect(s.messages.filter((m) => m.type === 'error')).toHaveLength(n);
      expect(d.realtime.stats.slowClosed).toBe(1);
      expect(d.realtime.connections).toBe(2);
      // Once it reads again it finds the close code after what was already buffered, and can catch up.
      stalled.ws.resume();
      expect(await stalledClosed).toEqual({
        code: SLOW_CONSUMER_CLOSE,
        reason: 'slow consumer: reconnect and catch up',
      });
      expect(stalled.messages.filter((m) => m.type === 'error').length).toBeLessThan(n);
      reader.ws.close();
      other.ws.close();
    } finally {
      await d.close();
    }
  });

  it('a bounded event queue: past it the queue is shed and every socket closed with 1013, then dispatch goes on', async () => {
    let release!: () => void;
    const gate = new Promise<void>((ok) => {
      release = ok;
    });
    const seen: number[] = [];
    const slow = realtimeTopic({
      topic: 'test_slow',
      payload: z.object({ n: z.number() }),
      handle: async (_ctx, e) => {
        seen.push(e.n);
        if (e.n === 0) await gate;
      },
    });
    const d = await dispatcherOn(server, [slow], { queueMax: 3, concurrency: 1 });
    try {
      const socket = await connectRealtime<Event>(d.url, alice.accessToken());
      const shut = closed(socket.ws);
      await publish(
        server,
        [0, 1, 2, 3, 4].map((n) => ({ topic: 'test_slow', n })),
      );
      expect(await shut).toMatchObject({ code: OVERLOADED_CLOSE });
      expect(d.realtime.stats).toMatchObject({ overloads: 1, shed: 4 });
      release();
      await d.realtime.idle();
      await publish(server, [{ topic: 'test_slow', n: 5 }]);
      await new Promise((r) => setTimeout(r, 200));
      await d.realtime.idle();
      expect(seen).toEqual([0, 5]);
    } finally {
      release();
      await d.close();
    }
  });
});
