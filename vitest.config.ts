import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report is what CI counts (.ci/run prints "N passed, N failed" from it).
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
