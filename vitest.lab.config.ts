import { defineConfig } from 'vitest/config';

// The lab suite boots a real Debian/systemd server (kthw-tutor lab up) and needs root; one file
// at a time, since there is one lab server per machine.
export default defineConfig({
  test: {
    include: ['test/lab/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
