import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two test files at a time. Vitest's default on a 2-core machine (the CI machine) is one,
    // and most of the suite's time is one file waiting on a single-threaded interpreter under
    // qemu (test/firmware/): run beside it, the rest of the suite costs almost nothing more.
    maxWorkers: 2,
  },
});
