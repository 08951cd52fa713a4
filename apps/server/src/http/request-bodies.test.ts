import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';

type Schema = {
  $ref?: string;
  type?: string;
  additionalProperties?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
};

// Project rule: a field the server does not accept is an error (400), never silently dropped. Every JSON request
// body in the API is a strict object (zod .strict() → additionalProperties: false in the OpenAPI document).
describe('request bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(() => server?.dispose());

  it('every JSON request body rejects unknown fields', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>
      >;
      components?: { schemas?: Record<string, Schema> };
    };
    const resolve = (s: Schema): Schema =>
      s.$ref ? resolve(doc.components!.schemas![s.$ref.split('/').pop()!]!) : s;
    const loose: string[] = [];
    let bodies = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (!schema) continue;
        bodies++;
        const s = resolve(schema);
        const parts = s.allOf ?? s.anyOf ?? [s];
        if (parts.some((p) => resolve(p).type === 'object' && resolve(p).additionalProperties !== false))
          loose.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(bodies).toBeGreaterThan(10);
    expect(loose).toEqual([]);
  });
});
