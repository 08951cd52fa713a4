import type { Database } from '@ipelya/db';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.ts';
import { REALTIME_CHANNEL, Realtime } from './realtime.ts';
import { type RealtimeInbound, type RealtimeTopic, realtimeInbound, realtimeTopic } from './topics.ts';

/** The dispatcher alone: a fake bus hands it payloads, the topics come from the caller as from the registry. */
function dispatcher(topics: RealtimeTopic[], inbound: RealtimeInbound[] = []) {
  let deliver: ((payload: string) => void) | null = null;
  const db = {
    listen: async (channel: string, fn: (payload: string) => void) => {
      expect(channel).toBe(REALTIME_CHANNEL);
      deliver = fn;
      return async () => {};
    },
  } as unknown as Database;
  const warnings: { fields: object; msg: string }[] = [];
  const log = {
    warn: (fields: object, msg?: string) => warnings.push({ fields, msg: msg ?? String(fields) }),
    error: () => {},
    info: () => {},
  } as unknown as Logger;
  const realtime = new Realtime(db, (async () => ({})) as unknown as TokenVerifier, log, { topics, inbound });
  return {
    realtime,
    warnings,
    publish: async (event: unknown) => {
      deliver!(typeof event === 'string' ? event : JSON.stringify(event));
      await new Promise((r) => setTimeout(r, 10));
    },
  };
}

describe('realtime dispatch by registered topic', () => {
  it('hands a valid payload to its topic, drops unknown topics and bad payloads without naming anyone', async () => {
    const seen: unknown[] = [];
    const d = dispatcher([
      realtimeTopic({
        topic: 'thing',
        payload: z.object({ topic: z.literal('thing'), id: z.guid() }),
        handle: (_ctx, e) => {
          seen.push(e.id);
        },
      }),
    ]);
    await d.realtime.start();
    try {
      const id = '3f1c6a52-1a8e-4a8e-9b1a-6a5f0d7c2e11';
      await d.publish({ topic: 'thing', id });
      await d.publish({ topic: 'thing', id: 'persona-secret' });
      await d.publish({ topic: 'nobody-owns-this', id });
      await d.publish('not json');
      expect(seen).toEqual([id]);
      expect(d.warnings.map((w) => w.msg)).toEqual([
        'realtime event dropped: payload does not match its schema',
        'realtime event dropped: unknown topic',
        'realtime event dropped: not JSON',
      ]);
      // Only the topic and the failing field names reach the log, never the values.
      expect(JSON.stringify(d.warnings)).not.toContain('persona-secret');
      expect(d.warnings[0]!.fields).toEqual({ topic: 'thing', fields: ['id'] });
    } finally {
      await d.realtime.stop();
    }
  });

  it('refuses a topic or a client frame declared twice, and a handler for ping (the dispatcher answers it)', () => {
    const t = realtimeTopic({ topic: 'twice', payload: z.object({}), handle: () => {} });
    expect(() => dispatcher([t, t])).toThrow(/twice is declared twice/);
    const typing = realtimeInbound({ type: 'typing', handle: () => {} });
    expect(() => dispatcher([], [typing, typing])).toThrow(/typing is declared twice/);
    expect(() => dispatcher([], [realtimeInbound({ type: 'ping', handle: () => {} })])).toThrow(/ping/);
  });
});
