// Two projects under one `jest` run: fast component tests on jest-expo, and a smoke test that
// exports the real web build and loads it in headless Chromium.
module.exports = {
  // The first render of a file pulls expo-router and the screen tree through babel: on two loaded cores that
  // alone passed jest's 5 s default. Waits inside tests are still bounded by Testing Library's own timeouts.
  // (A global option: inside a project entry Jest warns that it does not know it.)
  testTimeout: 20_000,
  projects: [
    {
      displayName: 'screens',
      preset: 'jest-expo',
      rootDir: __dirname,
      testMatch: ['<rootDir>/__tests__/**/*.test.ts?(x)'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/support/jest-setup.ts'],
      // jest-expo's list plus @noble/hashes, which ships only ES modules (contracts' contact hashing).
      transformIgnorePatterns: [
        '/node_modules/(?!(.pnpm|react-native|@react-native|@react-native-community|expo|@expo|@expo-google-fonts|react-navigation|@react-navigation|@sentry/react-native|native-base|standard-navigation|@noble/hashes))',
        '/node_modules/react-native-reanimated/plugin/',
        '/node_modules/@react-native/babel-preset/',
      ],
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
