import type {
  MessagingRealtimeMessage,
  RealtimeClientMessage,
  RealtimeServerMessage,
} from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Sealer } from '../keys/sealer.ts';

/** A frame the server sends to a socket. */
export type RealtimeOutMessage = RealtimeServerMessage | MessagingRealtimeMessage;

/** One authenticated socket, as topic handlers see it. */
export type RealtimeClient = { readonly personaId: string; readonly claims: JwtClaims };

/** What the dispatcher lends a topic handler: this process's sockets and the database to re-read under RLS. */
export type RealtimeDispatch = {
  db: Database;
  log: Logger;
  /** Opens sealed (no-trace) bodies for the recipient a row was re-read for. */
  sealer?: Sealer;
  /** Whether any socket is connected to this process (handlers skip database reads when none is). */
  readonly connected: boolean;
  /** Open sockets of a persona with unexpired tokens (expired ones are closed on the way). */
  live(personaId: string): RealtimeClient[];
  send(client: RealtimeClient, msg: RealtimeOutMessage): void;
  /** Closes every socket of a persona with this WebSocket close code. */
  closePersona(personaId: string, code: number, reason: string): void;
};

/**
 * A topic the database publishes on the realtime channel (`pg_notify('ipelya_realtime', {topic, …})`). The
 * dispatcher validates the payload against `payload` before calling `handle`; a payload that fails is logged
 * and dropped. The bus carries ids only: handlers re-read what they deliver under the recipient's RLS.
 */
export type RealtimeTopic<S extends z.ZodType = z.ZodType> = {
  topic: string;
  payload: S;
  handle: (ctx: RealtimeDispatch, event: z.infer<S>) => Promise<void> | void;
};

/** Keeps the payload type for the handler while the registry holds topics of every shape. */
export function realtimeTopic<S extends z.ZodType>(topic: RealtimeTopic<S>): RealtimeTopic {
  return topic as unknown as RealtimeTopic;
}

/**
 * A frame type a client may send (besides `ping`, which the dispatcher answers itself), and the domain code that
 * handles it. The frame has already been validated against RealtimeClientMessageSchema (@ipelya/contracts),
 * the wire contract both apps use.
 */
export type RealtimeInbound<T extends RealtimeClientMessage['type'] = RealtimeClientMessage['type']> = {
  type: T;
  handle: (
    ctx: RealtimeDispatch,
    client: RealtimeClient,
    msg: Extract<RealtimeClientMessage, { type: T }>,
  ) => void;
};

/** Keeps the frame type for the handler while the registry holds handlers of every type. */
export function realtimeInbound<T extends RealtimeClientMessage['type']>(
  inbound: RealtimeInbound<T>,
): RealtimeInbound {
  return inbound as unknown as RealtimeInbound;
}
