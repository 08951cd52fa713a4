import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  makeCreator,
  signIn,
  startTestServer,
  type TestServer,
} from '../../test/harness.ts';
import { VECTOR_UNAVAILABLE } from './match.service.ts';

const vec = (hot: number, dims = 512) =>
  `[${Array.from({ length: dims }, (_, i) => (i === hot ? 1 : i === hot + 1 ? 0.2 : 0)).join(',')}]`;

describe.each(dbTargets())('vibe similarity (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it(
    target === 'pglite'
      ? 'ranks creators by cosine distance with pgvector'
      : 'answers a clear 501 without pgvector',
    async () => {
      const fan = await signIn(server);
      if (target === 'postgres') {
        const r = await call(server, 'GET', '/api/match/similar-creators', fan.accessToken());
        expect(r.status).toBe(501);
        expect(r.json.error).toMatchObject({ code: 'vector_unavailable', message: VECTOR_UNAVAILABLE });
        return;
      }
      const near = await signIn(server);
      const far = await signIn(server);
      await makeCreator(near);
      await makeCreator(far);
      const ids = await Promise.all([fan, near, far].map(async (u) => (await u.api.me()).real_profile!.id));
      await server.db.service('test:vectors', async (tx) => {
        await tx.query('insert into profile_vectors (profile_id, vibe) values ($1, $2), ($3, $4), ($5, $6)', [
          ids[0],
          vec(0),
          ids[1],
          vec(1),
          ids[2],
          vec(300),
        ]);
      });
      const r = await call(server, 'GET', '/api/match/similar-creators?limit=5', fan.accessToken());
      expect(r.status).toBe(200);
      expect(r.json.items.map((i: { profile_id: string }) => i.profile_id)).toEqual([ids[1], ids[2]]);
      expect(r.json.items[0].distance).toBeLessThan(r.json.items[1].distance);
      // Vectors are behavioural data: nobody else can read them.
      const other = JSON.parse(Buffer.from(near.accessToken().split('.')[1]!, 'base64url').toString());
      const seen = await server.db.asUser(other, (tx) =>
        tx.query('select * from profile_vectors where profile_id = $1', [ids[0]]),
      );
      expect(seen.rows).toHaveLength(0);
    },
  );
});
