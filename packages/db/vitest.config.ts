import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test opens a database and applies every migration (a few seconds on PGlite under load).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
