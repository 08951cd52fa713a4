import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { RealtimeServerMessage } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  call,
  connectRealtime,
  makeCreator,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';
import { MAX_CLIENT_FRAME_BYTES, REALTIME_PATH } from './realtime.ts';

/** One WebSocket frame built by hand (RFC 6455 §5.2), so the test can break every rule a library would keep. */
function frame(opts: {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  rsv1?: boolean;
  mask?: boolean;
}): Buffer {
  const { opcode, payload, fin = true, rsv1 = false, mask = true } = opts;
  const head = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode];
  const len = payload.length;
  const lenBytes: number[] = [];
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) {
    head.push((mask ? 0x80 : 0) | 126);
    lenBytes.push(len >> 8, len & 0xff);
  } else throw new Error('test frames stay under 64 KiB');
  if (!mask) return Buffer.concat([Buffer.from([...head, ...lenBytes]), payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from([...head, ...lenBytes]), key, masked]);
}

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;

/** Malformed frames a client can send; `code` is the close code the server must answer with. */
const MALFORMED: { name: string; bytes: Buffer; code?: number }[] = [
  {
    name: 'unmasked text frame',
    bytes: frame({ opcode: TEXT, payload: Buffer.from('{"type":"ping"}'), mask: false }),
    code: 1002,
  },
  { name: 'reserved opcode 0x3', bytes: frame({ opcode: 0x3, payload: Buffer.from('x') }), code: 1002 },
  {
    name: 'RSV1 set without an extension',
    bytes: frame({ opcode: TEXT, payload: Buffer.from('hi'), rsv1: true }),
    code: 1002,
  },
  {
    name: 'invalid UTF-8 text',
    bytes: frame({ opcode: TEXT, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
    code: 1007,
  },
  {
    name: 'oversize text frame',
    bytes: frame({ opcode: TEXT, payload: Buffer.alloc(MAX_CLIENT_FRAME_BYTES + 1024, 0x61) }),
    code: 1009,
  },
  {
    name: 'close code 1005',
    bytes: frame({ opcode: CLOSE, payload: Buffer.from([0x03, 0xed]) }),
    code: 1002,
  },
  {
    name: 'fragmented ping',
    bytes: frame({ opcode: PING, payload: Buffer.from('p'), fin: false }),
    code: 1002,
  },
  {
    name: 'continuation without a start',
    bytes: frame({ opcode: 0x0, payload: Buffer.from('x') }),
    code: 1002,
  },
  // Header promises 100 bytes, the client hangs up after 5: no close code, the socket just goes away.
  {
    name: 'truncated frame',
    bytes: frame({ opcode: TEXT, payload: Buffer.alloc(100, 0x61) }).subarray(0, 11),
  },
];

/** Raw TCP upgrade; resolves once the server has answered 101, then collects every byte it sends. */
async function rawSocket(server: TestServer, token: string) {
  const socket: Socket = connect(server.port, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (d) => {
    buffer = Buffer.concat([buffer, d]);
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    [
      `GET ${REALTIME_PATH} HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${token}`,
      '',
      '',
    ].join('\r\n'),
  );
  const until = Date.now() + 5000;
  while (!buffer.includes('\r\n\r\n')) {
    if (Date.now() > until) throw new Error(`no upgrade answer: ${buffer.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(buffer.toString('latin1').split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
  const bodyStart = buffer.indexOf('\r\n\r\n') + 4;
  return {
    socket,
    ended,
    /** Close code of the server's close frame, if it sent one (frames from the server are unmasked). */
    closeCode(): number | null {
      let at = bodyStart;
      while (at + 2 <= buffer.length) {
        const opcode = buffer[at]! & 0x0f;
        let len = buffer[at + 1]! & 0x7f;
        let off = at + 2;
        if (len === 126) {
          len = buffer.readUInt16BE(off);
          off += 2;
        }
        if (opcode === CLOSE) return len >= 2 ? buffer.readUInt16BE(off) : null;
        at = off + len;
      }
      return null;
    },
  };
}

describe('realtime survives malformed frames', () => {
  let server: TestServer;
  let creator: TestUser;
  let creatorId: string;
  let fan: TestUser;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    creator = await signIn(server);
    await makeCreator(creator);
    creatorId = (await creator.api.me()).real_profile!.id;
    fan = await signIn(server);
  });
  afterAll(() => server?.dispose());

  it('closes only the offending socket, with the protocol close code; the server keeps answering', async () => {
    const watcher = await connectRealtime<RealtimeServerMessage>(server.url, creator.accessToken());
    for (const bad of MALFORMED) {
      const raw = await rawSocket(server, fan.accessToken());
      raw.socket.write(bad.bytes);
      if (!bad.code) raw.socket.end();
      await Promise.race([raw.ended, new Promise((r) => setTimeout(r, 3000))]);
      expect(raw.socket.destroyed || raw.socket.readableEnded, `${bad.name}: socket closed`).toBe(true);
      if (bad.code) expect(raw.closeCode(), bad.name).toBe(bad.code);
      expect((await call(server, 'GET', '/api/health')).status, `${bad.name}: HTTP still answers`).toBe(200);
    }
    // The socket that behaved still gets its events.
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
    await fan.api.follow(creatorId);
    await watcher.waitFor((m) => m.type === 'notification' && m.notification.kind === 'new_follower');
    watcher.ws.close();
  });

  it('answers JSON that is invalid or of the wrong shape with an error frame and stays open', async () => {
    const s = await connectRealtime<RealtimeServerMessage>(server.url, fan.accessToken());
    s.ws.send('{not json');
    await s.waitFor((m) => m.type === 'error' && m.code === 'invalid_json');
    s.ws.send(JSON.stringify({ type: 'typing', conversation_id: 'not-a-uuid' }));
    s.ws.send(JSON.stringify({ type: 'shout' }));
    s.ws.send(JSON.stringify([1, 2, 3]));
    s.ws.send(Buffer.from([0, 1, 2]), { binary: true });
    const until = Date.now() + 5000;
    while (s.messages.filter((m) => m.type === 'error').length < 5 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(s.messages.filter((m) => m.type === 'error')).toHaveLength(5);
    s.ws.send(JSON.stringify({ type: 'ping' }));
    await s.waitFor((m) => m.type === 'pong');
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    s.ws.close();
  });

  it('a client that resets during the upgrade does not take the process down', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(
        `GET ${REALTIME_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${fan.accessToken()}\r\n\r\n`,
      );
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });
});
