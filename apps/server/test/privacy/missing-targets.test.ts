import { randomUUID } from 'node:crypto';
import { hashContacts } from '@ipelya/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../../src/storage/media.fixture.ts';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
  type TestUser,
} from '../harness.ts';
import { identityOf, normalise, shadowCreatorVictim } from './probe.ts';

/**
 * Threat: writes as a probe. Marking a hidden conversation read, renaming yourself to a hidden shadow's handle
 * and sending to someone who blocked you must each answer exactly like the same call about nothing — and the
 * read must not start the victim's "30 s after read" timers.
 */
describe.each(dbTargets())('privacy: hidden targets answer like missing ones (%s)', (target) => {
  let server: TestServer;
  const png = makePng(8, 8);
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  const answer = async (u: TestUser, method: string, path: string, body?: unknown) => {
    const r = await call(server, method, path, u.accessToken(), body);
    return { status: r.status, body: normalise(JSON.stringify(r.json)) };
  };

  /** A victim shadow that hid itself from the attacker (the attacker's email in the victim's contacts). */
  async function hiddenScene() {
    const v = await shadowCreatorVictim(server, png);
    const attacker = await signIn(server);
    await switchTo(attacker, 'shadow');
    const conv = (await attacker.api.startConversation(v.shadow.id)).id;
    await attacker.api.sendMessage(conv, { body: 'hi' });
    await v.user.api.setConversationTimer(conv, '30s_after_read');
    const secret = await v.user.api.sendMessage(conv, { body: 'burn after reading' });
    const { hash_key } = await v.user.api.contactsStatus();
    const email = (await attacker.api.me()).email!;
    await v.user.api.uploadContacts({ hashes: hashContacts(hash_key, { emails: [email] }) });
    return { v, attacker, conv, secret };
  }

  it('POST /conversations/{id}/read on a hidden conversation: 404 like a random id, and no timer starts', async () => {
    const { attacker, conv, secret } = await hiddenScene();
    const hidden = await answer(attacker, 'POST', `/api/conversations/${conv}/read`);
    const missing = await answer(attacker, 'POST', `/api/conversations/${randomUUID()}/read`);
    expect(hidden).toEqual(missing);
    expect(hidden.status).toBe(404);
    const { rows } = await server.db.driver.query<{ expires_at: Date | null }>(
      'select expires_at from messages where id = $1',
      [secret.id],
    );
    expect(rows[0]!.expires_at).toBeNull();
    // Accepting, declining, blocking and timers too.
    for (const [method, suffix, body] of [
      ['POST', 'accept', undefined],
      ['POST', 'block', undefined],
      ['PUT', 'timer', { timer: '1h' }],
      ['POST', 'messages', { body: 'hello?' }],
    ] as const) {
      const h = await answer(attacker, method, `/api/conversations/${conv}/${suffix}`, body);
      const m = await answer(attacker, method, `/api/conversations/${randomUUID()}/${suffix}`, body);
      expect({ suffix, ...h }).toEqual({ suffix, ...m });
    }
  });

  it('renaming to a hidden shadow’s handle answers like renaming to any taken or released handle', async () => {
    const { v, attacker } = await hiddenScene();
    // A handle the attacker once saw whose persona is gone (renamed away), and one whose account was deleted.
    const renamer = await signIn(server);
    const oldHandle = (await identityOf(renamer)).real.handle;
    await renamer.api.updateProfile({ handle: `moved_${randomUUID().replaceAll('-', '').slice(0, 10)}` });
    const leaver = await signIn(server);
    const leaverHandle = (await identityOf(leaver)).real.handle;
    expect(
      (
        await call(server, 'POST', '/api/account/delete', leaver.accessToken(), {
          confirm: 'delete my account',
        })
      ).status,
    ).toBe(204);
    const visible = (await identityOf(await signIn(server))).shadow.handle;

    const rename = (handle: string) => answer(attacker, 'PATCH', '/api/profiles/me', { handle });
    const lookup = (handle: string) => answer(attacker, 'GET', `/api/profiles/${handle}`);
    const hidden = await rename(v.shadow.handle);
    expect(hidden.status).toBe(409);
    for (const other of [oldHandle, leaverHandle, visible]) expect(await rename(other)).toEqual(hidden);
    // And the lookup of the hidden persona reads like that of a gone one.
    expect(await lookup(v.shadow.handle)).toEqual(await lookup(oldHandle));
    expect(await lookup(v.shadow.handle)).toEqual(await lookup(leaverHandle));
    // A fresh handle is still free: the 409 is about taken handles only.
    expect((await rename(`free_${randomUUID().replaceAll('-', '').slice(0, 10)}`)).status).toBe(200);
  });

  it('sending into a conversation with someone who blocked you answers 404 like a missing conversation', async () => {
    const v = await shadowCreatorVictim(server, png);
    const attacker = await signIn(server);
    await switchTo(attacker, 'shadow');
    const conv = (await attacker.api.startConversation(v.shadow.id)).id;
    await attacker.api.sendMessage(conv, { body: 'hi' });
    await v.user.api.block((await identityOf(attacker)).shadow.id);
    const blocked = await answer(attacker, 'POST', `/api/conversations/${conv}/messages`, { body: 'why?' });
    const missing = await answer(attacker, 'POST', `/api/conversations/${randomUUID()}/messages`, {
      body: 'why?',
    });
    expect(blocked).toEqual(missing);
    expect(blocked.status).toBe(404);
  });
});
