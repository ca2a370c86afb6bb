import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The lab suite needs a booted systemd server and the fault suite kills and freezes servers; each
    // has its own command (npm run test:lab, npm run test:faults).
    exclude: ['test/lab/**', 'test/faults/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
