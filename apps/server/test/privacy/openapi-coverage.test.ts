import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';
import { apiOperations, PROBE_EXCLUDED, PROBE_GET_OWN_ONLY, PROBE_WRITES, sweepable } from './probe.ts';

/**
 * The probe's list is the server's own /openapi.json: every GET under /api is swept (lists read, id paths
 * filled from what the attacker knows and paired with a missing target), every other operation is a write the
 * probe makes or an exclusion with its reason. A new endpoint fails this test until it is one of those.
 */
describe('privacy: the probe covers every documented operation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  it('every operation is probed or excluded with a reason, and no entry is stale', async () => {
    const ops = (await apiOperations(server)).filter((op) => op.path.startsWith('/api/'));
    expect(ops.length).toBeGreaterThan(50);
    const uncovered = ops.filter((op) =>
      op.method === 'GET'
        ? !(op.key in PROBE_GET_OWN_ONLY) && !sweepable(op)
        : !(op.key in PROBE_WRITES) && !(op.key in PROBE_EXCLUDED),
    );
    expect(uncovered.map((op) => op.key)).toEqual([]);
    const keys = new Set(ops.map((op) => op.key));
    // `{action}` is one documented operation the probe calls with a concrete action.
    const stale = [
      ...Object.keys(PROBE_WRITES),
      ...Object.keys(PROBE_EXCLUDED),
      ...Object.keys(PROBE_GET_OWN_ONLY),
    ].filter((k) => !keys.has(k));
    expect(stale).toEqual([]);
    for (const reason of [...Object.values(PROBE_EXCLUDED), ...Object.values(PROBE_GET_OWN_ONLY)])
      expect(reason.length).toBeGreaterThan(5);
  });
});
