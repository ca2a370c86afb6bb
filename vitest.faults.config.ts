import { defineConfig } from 'vitest/config';

// The fault suite: the app and the CLI against real sshd processes that are killed, frozen or cut
// off (in a network namespace the test creates), and against bad local state. Each case asserts
// the message, the exit code and that progress is intact. Some cases need root (namespaces).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts', 'test/faults/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
