/**
 * `npm run test:e2e`: the browser journey against the real thing. Runs inside
 * `scripts/withStack.ts --full` (SeaweedFS + Cassandra + PostgreSQL + Redis), starts the real API
 * and worker (`src/bin/*.ts`, the API serving the page built into dist/web) on a free loopback
 * port with a queue of their own, then runs Playwright on Debian's chromium against it.
 * Rate limits stay at their defaults on purpose: the journey proves normal use never meets a 429.
 *
 *   npm run test:e2e [-- <extra playwright args>]      e.g. -- --project measure
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startAppProcess, type AppProcess } from '../../scripts/contract/processes.js';
import { dataDir, REPO_ROOT } from '../../scripts/services/common.js';

const log = (message: string): void => void process.stderr.write(`[e2e] ${message}\n`);

function appEnv(runId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    WORKER_HTTP_PORT: '0',
    OPS_PORT: '0',
    USE_LOCAL_STORAGE: 'false',
    RECORDS_STORE: 'cassandra',
    QUEUE_NAME: runId,
    // Other suites' deliberately bad tokens share the failed-auth counter in Redis.
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
    // The webhooks spec's receiver listens on loopback.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  };
}

function playwright(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'playwright');
    const child = spawn(bin, ['test', ...args], { cwd: REPO_ROOT, stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'web', 'index.html'))) {
    throw new Error('dist/web/index.html is missing: run `npm run build:web` first');
  }
  const runId = `e2e-${Date.now().toString(36)}-${process.pid}`;
  const logDir = path.join(dataDir(), 'e2e', runId);
  fs.mkdirSync(logDir, { recursive: true });
  const env = appEnv(runId);
  const apps: AppProcess[] = [startAppProcess('api', env, logDir), startAppProcess('worker', env, logDir)];
  try {
    const [api] = apps as [AppProcess, AppProcess];
    const baseUrl = await api.address();
    log(`API at ${baseUrl}; logs in ${logDir}`);
    const args = process.argv.slice(2);
    return await playwright(args.length > 0 ? args : ['--project', 'journey'], {
      ...process.env,
      E2E_BASE_URL: baseUrl,
      E2E_RUN_ID: runId,
    });
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
