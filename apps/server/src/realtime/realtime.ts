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

type Client = { socket: WebSocket; claims: JwtClaims; personaId: string };
type OutMessage = RealtimeOutMessage;

/** A socket must send its `{type:'auth'}` frame within this time, or it is closed (4001). */
export const AUTH_TIMEOUT_MS = 5000;

/** Largest client frame accepted; clients send pings and small domain frames (typing). Bigger frames close the socket (1009). */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/**
 * Authenticated WebSocket delivery. Database triggers publish on a Postgres channel (LISTEN/NOTIFY); every
 * server process listens and delivers to its own sockets, so fan-out works across processes sharing one
 * database. It knows no domain: each topic comes from a domain module (src/domains.ts), its payload is validated
 * against the topic's schema, then its handler re-reads what it delivers under the recipient's own RLS (never
 * forwarded from the bus). Client frames other than ping (typing) go to the module that declared them.
 */
export class Realtime {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  private readonly byPersona = new Map<string, Set<Client>>();
  private unlisten: (() => Promise<void>) | null = null;
  private readonly topics = new Map<string, RealtimeTopic>();
  private readonly inbound = new Map<string, RealtimeInbound>();
  private readonly ctx: RealtimeDispatch;

  constructor(
    private readonly db: Database,
    private readonly verify: TokenVerifier,
    private readonly log: Logger,
    /** Every domain's topics and client frame handlers (realtimeOf() from src/domains.ts). */
    registry: { topics: RealtimeTopic[]; inbound?: RealtimeInbound[] },
    /** Opens sealed (no-trace) message bodies for the recipient the row was re-read for. */
    sealer?: Sealer,
    /** The session check shared with the HTTP path (cached briefly, decision 024); absent: ask every time. */
    private readonly sessions?: SessionGate,
  ) {
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
    this.unlisten = await this.db.listen(REALTIME_CHANNEL, (payload) => {
      void this.dispatch(payload).catch((err) => this.log.error({ err }, 'realtime dispatch failed'));
    });
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
      if (set.size === 0) this.byPersona.delete(client.personaId);
    });
  }

  private send(client: Client, msg: OutMessage): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(msg));
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
    for (const set of this.byPersona.values()) for (const c of set) c.socket.terminate();
    this.byPersona.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
