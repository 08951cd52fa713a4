import type { IncomingMessage, Server } from 'node:http';
import type { RealtimeServerMessage } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { TokenVerifier } from '../auth/tokens.ts';
import { readNotification } from '../notifications/notifications.service.ts';

export const REALTIME_PATH = '/realtime/v1/websocket';
export const REALTIME_CHANNEL = 'ipelya_realtime';

type Client = { socket: WebSocket; claims: JwtClaims; personaId: string };
type BusEvent = { topic: 'notification'; recipient_id: string; id: string };

/**
 * Authenticated WebSocket delivery. Database triggers publish on a Postgres channel (LISTEN/NOTIFY); every
 * server process listens and delivers to its own sockets, so fan-out works across processes sharing one
 * database. Payloads are re-read under the recipient's own RLS, never forwarded from the bus.
 */
export class Realtime {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  private readonly byPersona = new Map<string, Set<Client>>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly verify: TokenVerifier,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(REALTIME_CHANNEL, (payload) => {
      void this.dispatch(payload).catch((err) => this.log.error({ err }, 'realtime dispatch failed'));
    });
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== REALTIME_PATH) return;
      void this.authenticate(req, url).then(
        (claims) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, claims)),
        () => {
          socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          socket.destroy();
        },
      );
    });
  }

  /** Number of open sockets, for health and tests. */
  get connections(): number {
    let n = 0;
    for (const set of this.byPersona.values()) n += set.size;
    return n;
  }

  private async authenticate(req: IncomingMessage, url: URL): Promise<JwtClaims> {
    const header = req.headers.authorization;
    const token =
      url.searchParams.get('access_token') ?? (header?.startsWith('Bearer ') ? header.slice(7) : null);
    if (!token) throw new Error('no token');
    const claims = await this.verify(token);
    if (claims.role !== 'authenticated' || !claims.persona_id) throw new Error('not a user token');
    const active = await this.db.asUser(claims, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>('select public.session_is_active($1) as ok', [
        claims.session_id ?? null,
      ]);
      return rows[0]?.ok === true;
    });
    if (!active) throw new Error('session revoked');
    return claims;
  }

  private accept(socket: WebSocket, claims: JwtClaims): void {
    const client: Client = { socket, claims, personaId: claims.persona_id! };
    const set = this.byPersona.get(client.personaId) ?? new Set<Client>();
    this.byPersona.set(client.personaId, set);
    set.add(client);
    this.send(client, { type: 'ready', persona_id: client.personaId });
    socket.on('message', (raw) => {
      const text = raw.toString();
      if (text === 'ping' || text.includes('"ping"')) this.send(client, { type: 'pong' });
    });
    socket.on('close', () => {
      set.delete(client);
      if (set.size === 0) this.byPersona.delete(client.personaId);
    });
  }

  private send(client: Client, msg: RealtimeServerMessage): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(msg));
  }

  private async dispatch(payload: string): Promise<void> {
    const event = JSON.parse(payload) as BusEvent;
    if (event.topic !== 'notification') return;
    const clients = this.byPersona.get(event.recipient_id);
    if (!clients?.size) return;
    const now = Math.floor(Date.now() / 1000);
    for (const client of [...clients]) {
      if (typeof client.claims.exp === 'number' && client.claims.exp < now) {
        // Token expired: the client reconnects with a fresh one and catches up by listing notifications.
        client.socket.close(4001, 'token expired');
        continue;
      }
      const notification = await this.db.asUser(client.claims, (tx) => readNotification(tx, event.id));
      if (notification) this.send(client, { type: 'notification', notification });
    }
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    for (const set of this.byPersona.values()) for (const c of set) c.socket.terminate();
    this.byPersona.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
