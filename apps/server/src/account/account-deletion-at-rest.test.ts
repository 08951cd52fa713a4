import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMarkers } from '../../test/data-dir-scan.ts';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  switchTo,
  type TestServer,
} from '../../test/harness.ts';
import { runPrivacyVacuum } from './privacy-vacuum.service.ts';

/**
 * What an account deletion leaves in files (docs/privacy-residuals.md): the outbox loses the addresses at once,
 * a deletion queues a VACUUM, and after it the table files no longer hold the shadow handle, bio, post body or
 * phone number. The WAL may: that residual window is documented, and measured here.
 */
describe.each(dbTargets())('account deletion at rest (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target, { EMBEDDED_DB: 'disk' });
  });
  afterAll(() => server?.dispose());

  it('removes the addresses from the outbox, vacuums, and leaves no personal marker in table files', async () => {
    const tag = randomUUID().replaceAll('-', '').slice(0, 10);
    const phone = `+90555${String(Date.now()).slice(-7)}`;
    const email = `deleted.${tag}@example.com`;
    const u = await signIn(server, email, { phone });
    const handle = `gone_${tag}`;
    const bio = `bio-marker-${tag}`;
    const postBody = `post-marker-${tag}`;
    await switchTo(u, 'shadow');
    await makeCreator(u);
    await u.api.updateProfile({ handle, bio });
    await u.api.createPost({ body: postBody });
    const outbox = join(server.env.DATA_DIR, 'outbox.jsonl');
    expect(readFileSync(outbox, 'utf8')).toContain(phone);

    expect(
      (await call(server, 'POST', '/api/account/delete', u.accessToken(), { confirm: 'delete my account' }))
        .status,
    ).toBe(204);
    // The outbox file and the in-memory copy no longer know the address.
    expect(readFileSync(outbox, 'utf8')).not.toContain(phone);
    expect(server.outbox!.latest(phone)).toBeUndefined();

    const requests = async () =>
      Number(
        (await server.db.driver.query<{ n: number }>('select count(*)::int as n from public.vacuum_requests'))
          .rows[0]!.n,
      );
    expect(await requests()).toBeGreaterThan(0);
    const mode = target === 'pglite' ? 'full' : 'plain';
    expect(await runPrivacyVacuum(server.db, mode)).toBeGreaterThan(10);
    expect(await requests()).toBe(0);
    expect(await runPrivacyVacuum(server.db, mode)).toBe(0); // nothing asked, nothing done

    if (target !== 'pglite') return; // PostgreSQL's files are not ours to read
    await server.db.driver.exec('checkpoint');
    const markers = [handle, bio, postBody, phone.slice(1)];
    const base = join(server.env.DATA_DIR, 'pglite', 'base');
    expect(findMarkers(base, markers)).toEqual([]);
    // Residual (docs/privacy-residuals.md): pg_wal still holds them until its segments are recycled.
  });
});
