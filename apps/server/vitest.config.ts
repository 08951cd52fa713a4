import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    setupFiles: ['test/ledger-invariants.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file boots its own database; two cores, so two files at a time.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
