import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Pure logic, but some cases parse 20k-row files: on a loaded 2-core box (CI runs beside
          // JVMs) vitest's 5 s default is a flake, not a finding. Speed is measured in the bench.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Real services are shared; run files one at a time so a test that stops a
          // service (readiness, outages) cannot disturb another file.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/integration/globalSetup.ts'],
        },
      },
      {
        test: {
          // Long fault/load/crash runs (`npm run test:faults`); CI runs them after `npm test`.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
          globalSetup: ['test/integration/globalSetup.ts'],
        },
      },
      {
        test: {
          // Fault runs against the local cluster (`npm run cluster -- up`), `npm run test:cluster`.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
