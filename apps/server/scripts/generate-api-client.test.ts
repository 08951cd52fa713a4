import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiClientTypes, generatedClientPath, regenerateCommand } from './generate-api-client.ts';

describe('generated API client types', () => {
  it('match the server routes (the committed file is not stale)', async () => {
    const fresh = await generateApiClientTypes();
    const committed = readFileSync(generatedClientPath, 'utf8');
    // Not toBe: a 10k-line diff helps nobody, the command does.
    expect(
      committed === fresh,
      `packages/api-client/src/generated/openapi.gen.ts is stale: run \`${regenerateCommand}\` and commit it`,
    ).toBe(true);
  });
});
