import type { NextConfig } from 'next';

const config: NextConfig = {
  // The workspace packages ship TypeScript source (with `.ts` import extensions), so Next compiles them.
  transpilePackages: ['@ipelya/contracts', '@ipelya/api-client'],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
