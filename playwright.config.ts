import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the web page (test/e2e), run by `npm run test:e2e`, which starts the stack,
 * the API and the worker and passes the API's address in E2E_BASE_URL. Playwright cannot
 * download its own browsers here: it drives Debian's `chromium` package (.ci/run installs it).
 */
const baseURL = process.env.E2E_BASE_URL;
if (!baseURL) {
  throw new Error('E2E_BASE_URL is not set: run the browser tests with `npm run test:e2e`');
}

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: '.data/e2e-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Root in a container has no user namespace for Chromium's sandbox.
      args: ['--no-sandbox'],
    },
    acceptDownloads: true,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'journey', testMatch: /(journey|webhooks)\.spec\.ts$/ },
    // Opt-in (`npm run test:e2e -- --project measure`): the 10 MB CSV timing for the docs.
    { name: 'measure', testMatch: /measure\.spec\.ts$/ },
  ],
});
