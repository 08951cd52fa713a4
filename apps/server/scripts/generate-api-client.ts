/**
 * Writes packages/api-client/src/generated/openapi.gen.ts: the `paths`/`components` types of the server's own
 * OpenAPI document, built in-process (in-memory database, no network). Run `npm run api:generate` at the root;
 * generate-api-client.test.ts fails while the committed file differs from what this produces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { testEnv } from '../src/env.ts';
import { createHttpApp } from '../src/http/app.ts';
import { createCore } from '../src/server.ts';

export const generatedClientPath = resolve(
  fileURLToPath(import.meta.url),
  '../../../../packages/api-client/src/generated/openapi.gen.ts',
);
export const regenerateCommand = 'npm run api:generate';

/** The document /openapi.json serves, from a server wired exactly as in production but with nothing listening. */
export async function buildOpenApiDocument(): Promise<OpenAPI3> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipelya-openapi-'));
  try {
    const env = testEnv({
      DATA_DIR: dataDir,
      EMBEDDED_DB: 'memory',
      SEED_DEMO_DATA: 'false',
      RUN_JOBS: 'false',
    });
    const core = await createCore(env);
    try {
      const res = await createHttpApp(core).request('/openapi.json');
      const doc = (await res.json()) as OpenAPI3;
      // The server URL depends on PUBLIC_URL; the types do not.
      delete doc.servers;
      return doc;
    } finally {
      await core.db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The generated module's text. */
export async function generateApiClientTypes(): Promise<string> {
  const ast = await openapiTS(await buildOpenApiDocument(), { alphabetize: true });
  return `/** Generated from the server's OpenAPI document by \`${regenerateCommand}\`. Do not edit. */\n${astToString(ast)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(generatedClientPath, await generateApiClientTypes());
  console.log(`wrote ${generatedClientPath}`);
}
