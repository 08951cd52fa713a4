import type { Server } from 'node:http';
import { RealtimeAuthMessageSchema, RealtimeClientMessageSchema } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SessionGate } from '../auth/session-gate.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import type { Sealer } from '../keys/sealer.ts';
import type { RealtimeDispatch, RealtimeInbound, RealtimeOutMessage, RealtimeTopic } from './topics.ts';

export const REALTIME_PATH = '/realtime/v1/websocket';
export const REALTIME_CHANNEL = 'ipelya_realtime';

type Client = { socket: WebSocket; claims: JwtClaims; personaId: string; dropped?: boolean };
type OutMessage = RealtimeOutMessage;

/** A socket must send its `{type:'auth'}` frame within this time, or it is closed (4001). */
export const AUTH_TIMEOUT_MS = 5000;

/** Largest client frame accepted; clients send pings and small domain frames (typing). Bigger frames close the socket (1009). */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/** A socket whose unsent bytes pass the buffer limit is closed with this code; it reconnects and catches up by cursor. */
export const SLOW_CONSUMER_CLOSE = 4008;
/** More events queued than the dispatcher can hold: every socket is closed with this code (1013, try again later). */
export const OVERLOADED_CLOSE = 1013;

export type RealtimeLimits = {
  /** Events waiting for a dispatch slot; one more and the queue is shed (every socket closed with 1013). */
  queueMax: number;
  /** Events dispatched at once (each holds at most one database connection). */
  concurrency: number;
  /** Unsent bytes a socket may hold (ws `bufferedAmount`) before it is closed as a slow consumer (4008). */
  socketBufferBytes: number;
  /** How long a slow consumer's close handshake may take before the socket is cut. */
  slowCloseGraceMs: number;
};

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  queueMax: 10_000,
  concurrency: 8,
  socketBufferBytes: 1024 * 1024,
  slowCloseGraceMs: 5000,
};

/**
 * Authenticated WebSocket delivery. Database triggers publish on a Postgres channel (LISTEN/NOTIFY); every
 * server process listens and delivers to its own sockets, so fan-out works across processes sharing one
 * database. It knows no domain: each topic comes from a domain module (src/domains.ts), its payload is validated
 * against the topic's schema, then its handler reads what it delivers once per event for all recipients, as
 * each recipient's RLS shows it (never forwarded from the bus; decision 023). Events wait in a bounded queue
 * and sockets have a bounded send buffer (backpressure, see enqueue and send). Client frames other than ping
 * (typing) go to the module that declared them.
 */
export class Realtime {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  private readonly byPersona = new Map<string, Set<Client>>();
  private unlisten: (() => Promise<void>) | null = null;
  private readonly topics = new Map<string, RealtimeTopic>();
  private readonly inbound = new Map<string, RealtimeInbound>();
  private readonly ctx: RealtimeDispatch;
  private readonly limits: RealtimeLimits;
  /** Notification payloads waiting for a dispatch slot (bounded by limits.queueMax). */
  private readonly queue: string[] = [];
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  /** Counters for health, tests and the bench. */
  readonly stats = { dispatched: 0, shed: 0, slowClosed: 0, overloads: 0 };

  constructor(
    private readonly db: Database,
    private readonly verify: TokenVerifier,
    private readonly log: Logger,
    /** Every domain's topics and client frame handlers (realtimeOf() from src/domains.ts). */
    registry: { topics: RealtimeTopic[]; inbound?: RealtimeInbound[] },
    /** Opens sealed (no-trace) message bodies for the recipient the row was re-read for. */
    sealer?: Sealer,
    limits: Partial<RealtimeLimits> = {},
    /** The session check shared with the HTTP path (cached briefly, decision 024); absent: ask every time. */
    private readonly sessions?: SessionGate,
  ) {
    this.limits = { ...DEFAULT_REALTIME_LIMITS, ...limits };
    for (const t of registry.topics) {
      if (this.topics.has(t.topic)) throw new Error(`realtime topic ${t.topic} is declared twice`);
      this.topics.set(t.topic, t);
    }
    for (const i of registry.inbound ?? []) {
      if (i.type === 'ping' || this.inbound.has(i.type))
        throw new Error(`realtime client frame ${i.type} is declared twice`);
      this.inbound.set(i.type, i);
    }
    const byPersona = this.byPersona;
    this.ctx = {
      db,
      log,
      sealer,
      get connected() {
        return byPersona.size > 0;
      },
      live: (personaId) => this.live(personaId),
      send: (client, msg) => this.send(client as Client, msg),
      closePersona: (personaId, code, reason) => {
        for (const client of [...(byPersona.get(personaId) ?? [])]) client.socket.close(code, reason);
      },
    };
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(REALTIME_CHANNEL, (payload) => this.enqueue(payload));
  }

  /**
   * Bounded: at most `concurrency` events are dispatched at once and at most `queueMax` wait. Past that the
   * process cannot keep up, and dropping single events would lose messages silently: the queue is shed and
   * every socket is closed with 1013, so each client reconnects and catches up by cursor (which is exact).
   */
  private enqueue(payload: string): void {
    if (this.queue.length >= this.limits.queueMax) {
      this.stats.overloads++;
      this.stats.shed += this.queue.length + 1;
      this.queue.length = 0;
      this.log.warn({ queued: this.limits.queueMax }, 'realtime overloaded: queue shed, sockets closed');
      for (const set of this.byPersona.values())
        for (const c of set) this.drop(c, OVERLOADED_CLOSE, 'overloaded: reconnect and catch up');
      return;
    }
    this.queue.push(payload);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limits.concurrency && this.queue.length) {
      const payload = this.queue.shift()!;
      this.active++;
      void this.dispatch(payload)
        .catch((err) => this.log.error({ err }, 'realtime dispatch failed'))
        .finally(() => {
          this.active--;
          this.stats.dispatched++;
          this.pump();
          if (!this.active && !this.queue.length) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  /** Resolves when no event is queued or being dispatched (tests and the bench). */
  idle(): Promise<void> {
    if (!this.active && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Events waiting or being dispatched right now. */
  get backlog(): number {
    return this.queue.length + this.active;
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      // Node drops its own error listener from upgraded sockets: a reset while we authenticate must not throw.
      socket.on('error', (err) => this.log.info({ err: err.message }, 'realtime upgrade socket error'));
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== REALTIME_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // The token never rides in the URL (decision 014): an Authorization header (server-side clients) or,
      // for browsers and apps that cannot set headers, the first frame.
      const header = req.headers.authorization;
      if (!header) {
        this.wss.handleUpgrade(req, socket, head, (ws) => this.awaitAuthFrame(this.guard(ws)));
        return;
      }
      void this.authenticate(header.startsWith('Bearer ') ? header.slice(7) : '').then(
        (claims) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(this.guard(ws), claims)),
        () => {
          socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          socket.destroy();
        },
      );
    });
  }

  /** An open but unauthenticated socket: the first frame must be `{type:'auth', access_token}`. */
  private awaitAuthFrame(socket: WebSocket): void {
    const timer = setTimeout(() => socket.close(4001, 'authenticate first'), AUTH_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.once('message', (raw) => {
      clearTimeout(timer);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(raw.toString());
      } catch {
        // not JSON: refused below
      }
      const frame = RealtimeAuthMessageSchema.safeParse(parsed);
      if (!frame.success) return socket.close(4001, 'authenticate first');
      void this.authenticate(frame.data.access_token).then(
        (claims) => {
          if (socket.readyState === socket.OPEN) this.accept(socket, claims);
        },
        () => socket.close(4001, 'unauthorized'),
      );
    });
  }

  /** Number of open sockets, for health and tests. */
  get connections(): number {
    let n = 0;
    for (const set of this.byPersona.values()) n += set.size;
    return n;
  }

  private async authenticate(token: string): Promise<JwtClaims> {
    if (!token) throw new Error('no token');
    const claims = await this.verify(token);
    if (claims.role !== 'authenticated' || !claims.persona_id) throw new Error('not a user token');
    const active = this.sessions
      ? await this.sessions.isActive(claims)
      : await this.db.asUser(claims, async (tx) => {
          const { rows } = await tx.query<{ ok: boolean }>('select public.is_session_active($1) as ok', [
            claims.session_id ?? null,
          ]);
          return rows[0]?.ok === true;
        });
    if (!active) throw new Error('session revoked');
    return claims;
  }

  /**
   * A malformed frame (bad UTF-8, RSV bits, unknown opcode, unmasked, oversize, bad close code) makes ws emit
   * 'error' and close this socket with the matching code; without a listener it would kill the process. Set on
   * every socket as soon as it is upgraded, before it has authenticated.
   */
  private guard(socket: WebSocket): WebSocket {
    socket.on('error', (err) =>
      this.log.info(
        { code: (err as { code?: string }).code, err: err.message },
        'realtime client protocol error',
      ),
    );
    return socket;
  }

  private accept(socket: WebSocket, claims: JwtClaims): void {
    const client: Client = { socket, claims, personaId: claims.persona_id! };
    const set = this.byPersona.get(client.personaId) ?? new Set<Client>();
    this.byPersona.set(client.personaId, set);
    set.add(client);
    this.send(client, { type: 'ready', persona_id: client.personaId });
    socket.on('message', (raw, isBinary) => {
      const text = isBinary ? '' : raw.toString();
      if (text === 'ping') return this.send(client, { type: 'pong' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      const msg = RealtimeClientMessageSchema.safeParse(parsed);
      if (!msg.success) {
        if (text.includes('"ping"')) return this.send(client, { type: 'pong' });
        return this.send(client, {
          type: 'error',
          code: parsed === null ? 'invalid_json' : 'invalid_message',
          message:
            parsed === null
              ? 'frames are JSON text'
              : `unknown message: ${msg.error.issues[0]?.path.join('.') || 'type'} ${msg.error.issues[0]?.message ?? ''}`.trim(),
        });
      }
      if (msg.data.type === 'ping') return this.send(client, { type: 'pong' });
      const handler = this.inbound.get(msg.data.type);
      if (handler) handler.handle(this.ctx, client, msg.data);
    });
    socket.on('close', () => {
      set.delete(client);
      if (set.size === 0 && this.byPersona.get(client.personaId) === set)
        this.byPersona.delete(client.personaId);
    });
  }

  /**
   * Backpressure: a socket that does not read keeps its frames in ws's buffer (`bufferedAmount`). Past the limit
   * it is closed as a slow consumer (4008) instead of growing without bound; the client reconnects and catches
   * up by cursor. Other sockets are not held up by it.
   */
  private send(client: Client, msg: OutMessage): void {
    if (client.dropped || client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > this.limits.socketBufferBytes) {
      this.stats.slowClosed++;
      this.log.info({ persona: client.personaId }, 'realtime slow consumer closed');
      this.drop(client, SLOW_CONSUMER_CLOSE, 'slow consumer: reconnect and catch up');
      return;
    }
    client.socket.send(JSON.stringify(msg));
  }

  /**
   * Stops sending to a socket and closes it with a code the client can act on. The close frame queues behind
   * the unsent bytes, so a client that never reads is cut after the grace period.
   */
  private drop(client: Client, code: number, reason: string): void {
    if (client.dropped) return;
    client.dropped = true;
    const set = this.byPersona.get(client.personaId);
    set?.delete(client);
    if (set && set.size === 0) this.byPersona.delete(client.personaId);
    client.socket.close(code, reason);
    const cut = setTimeout(() => client.socket.terminate(), this.limits.slowCloseGraceMs);
    cut.unref?.();
    client.socket.once('close', () => clearTimeout(cut));
  }

  /** Looks the topic up and validates its payload; an unknown topic or a bad payload is logged and dropped. */
  private async dispatch(payload: string): Promise<void> {
    let event: unknown;
    try {
      event = JSON.parse(payload);
    } catch {
      this.log.warn('realtime event dropped: not JSON');
      return;
    }
    const name = (event as { topic?: unknown } | null)?.topic;
    const topic = typeof name === 'string' ? this.topics.get(name) : undefined;
    // Only the topic name and the failing fields are logged: payloads name personas.
    if (!topic) {
      this.log.warn({ topic: String(name).slice(0, 64) }, 'realtime event dropped: unknown topic');
      return;
    }
    const parsed = topic.payload.safeParse(event);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.'));
      this.log.warn(
        { topic: topic.topic, fields },
        'realtime event dropped: payload does not match its schema',
      );
      return;
    }
    await topic.handle(this.ctx, parsed.data);
  }

  /** Open sockets of a persona with unexpired tokens; expired ones are closed (the client reconnects and catches up). */
  private live(personaId: string): Client[] {
    const clients = this.byPersona.get(personaId);
    if (!clients?.size) return [];
    const now = Math.floor(Date.now() / 1000);
    const out: Client[] = [];
    for (const client of [...clients]) {
      if (typeof client.claims.exp === 'number' && client.claims.exp < now) {
        client.socket.close(4001, 'token expired');
        continue;
      }
      out.push(client);
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.queue.length = 0;
    for (const set of this.byPersona.values()) for (const c of set) c.socket.terminate();
    this.byPersona.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
