// Two projects under one `jest` run: fast component tests on jest-expo, and a smoke test that
// exports the real web build and loads it in headless Chromium.
module.exports = {
  projects: [
    {
      displayName: 'screens',
      preset: 'jest-expo',
      rootDir: __dirname,
      testMatch: ['<rootDir>/__tests__/**/*.test.ts?(x)'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/support/jest-setup.ts'],
    },
    {
      displayName: 'web-smoke',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/smoke/**/*.test.ts'],
      transform: { '^.+\\.ts$': 'babel-jest' },
    },
  ],
};
