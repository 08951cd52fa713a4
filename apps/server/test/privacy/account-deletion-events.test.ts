import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  connectRealtime,
  dbTargets,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
} from '../harness.ts';

type Event = { type: string; conversation_id?: string; message_ids?: string[] };

/**
 * Threat: deletion that leaves a trace. When an account is deleted its 1:1 conversations go for both sides; the
 * other side's devices must be told to drop the messages (a `deleted` event), or they keep them. Nobody else
 * hears about it.
 */
describe.each(dbTargets())('privacy: account deletion reaches the other side’s devices (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('the other side gets a deleted event naming every message of the conversation; a bystander nothing', async () => {
    const victim = await signIn(server);
    const other = await signIn(server);
    const bystander = await signIn(server);
    for (const u of [victim, other, bystander]) await switchTo(u, 'shadow');
    const conv = (await other.api.startConversation((await victim.api.me()).shadow_profile!.id)).id;
    const ids = [
      (await other.api.sendMessage(conv, { body: 'one' })).id,
      (await victim.api.sendMessage(conv, { body: 'two' })).id,
      (await other.api.sendMessage(conv, { body: 'three' })).id,
    ];
    const otherSocket = await connectRealtime<Event>(server.url, other.accessToken());
    const bystanderSocket = await connectRealtime<Event>(server.url, bystander.accessToken());
    const del = await call(server, 'POST', '/api/account/delete', victim.accessToken(), {
      confirm: 'delete my account',
    });
    expect(del.status).toBe(204);
    const event = await otherSocket.waitFor((m) => m.type === 'deleted' && m.conversation_id === conv);
    expect([...(event.message_ids ?? [])].sort()).toEqual([...ids].sort());
    // The conversation is gone for the other side too.
    expect((await call(server, 'GET', `/api/conversations/${conv}`, other.accessToken())).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    expect(bystanderSocket.messages.filter((m) => m.type === 'deleted')).toEqual([]);
    otherSocket.ws.close();
    bystanderSocket.ws.close();
  });
});
