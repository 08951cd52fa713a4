import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, signIn, startTestServer, type TestServer } from '../../test/harness.ts';
import { accountDeletionSteps } from '../domains.ts';
import { deleteAccount } from './account.service.ts';

/**
 * The deletion flow running the registry's per-domain steps (accountDeletionSteps() in src/domains.ts): in
 * order, in one transaction between begin and finish, collecting the `path` rows a step returns.
 */
describe('account deletion from registry steps (pglite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  const userExists = (id: string) =>
    server.db.service('test:user-exists', async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        'select count(*)::int as n from auth.users where id = $1',
        [id],
      );
      return rows[0]!.n === 1;
    });

  it('runs every step in order in one transaction and deletes the account', async () => {
    const u = await signIn(server);
    const done = await deleteAccount(server.db, server.storage, claimsOf(u), null, [
      { domain: 'before', sql: "select 'not a path' as other" },
      ...accountDeletionSteps(),
      // Runs after every domain's step, in the same transaction, still as the caller.
      { domain: 'after', sql: 'select auth.uid() as who' },
    ]);
    expect(done).toEqual({ objects: 0 });
    expect(await userExists(u.userId)).toBe(false);
  });

  it('a step that fails rolls the whole deletion back', async () => {
    const u = await signIn(server);
    await expect(
      deleteAccount(server.db, server.storage, claimsOf(u), null, [
        ...accountDeletionSteps(),
        { domain: 'later', sql: "select 1 / 0 as path where 'boom' is not null" },
      ]),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await userExists(u.userId)).toBe(true);
  });
});
