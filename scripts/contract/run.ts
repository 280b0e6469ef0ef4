/**
 * `npm run test:contract`: an outside fuzzer (schemathesis) against the published contract.
 *
 * Starts the real API and worker on the full stack (SeaweedFS + Cassandra, from the environment
 * `scripts/withStack.ts --full` provides) on a free loopback port with their own queue and rate
 * limits lifted, mints a token for a user of its own, and runs schemathesis on `/openapi.json`
 * with every check and every phase. Exits with schemathesis's status (non-zero on any failure),
 * and stops the API and worker whatever happens.
 *
 *   npm run test:contract [-- <extra schemathesis args>]
 *   CONTRACT_SEED=n CONTRACT_MAX_EXAMPLES=n   replay another seed / search wider
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir, REPO_ROOT, runOk } from '../services/common.js';
import { startAppProcess, type AppProcess } from './processes.js';
import { ensureSchemathesis, schemathesisArgs, schemathesisConfig } from './schemathesis.js';

// Fixed so two runs send the same requests; bounded so the run takes minutes on 2 cores.
const DEFAULT_SEED = 20261129;
const DEFAULT_MAX_EXAMPLES = 50;

const log = (message: string): void => void process.stderr.write(`[contract] ${message}\n`);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The API's and worker's environment: the stack's, on the full stack, isolated from other runs. */
function appEnv(runId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    WORKER_HTTP_PORT: '0',
    OPS_PORT: '0',
    USE_LOCAL_STORAGE: 'false',
    RECORDS_STORE: 'cassandra',
    QUEUE_NAME: runId,
    // The fuzzer sends thousands of requests a minute; a 429 would hide what it is testing.
    RATE_LIMIT_PER_MINUTE: '1000000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
  };
}

async function mintToken(runId: string, env: NodeJS.ProcessEnv): Promise<string> {
  const email = `${runId}@contract.example.com`;
  const args = ['--import', 'tsx', 'scripts/token.ts', '--email', email, '--ttl', '7200'];
  const { stdout } = await runOk(process.execPath, args, { cwd: REPO_ROOT, env });
  return stdout.trim();
}

// Run from the run's own folder: schemathesis and hypothesis keep caches (`.schemathesis/`,
// `.hypothesis/`) in the working directory, which must neither land in the repo nor carry over
// into the next run. `st replay <id>` works from that folder.
function runSchemathesis(bin: string, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const runId = `contract-${Date.now().toString(36)}-${process.pid}`;
  const logDir = path.join(dataDir(), 'contract', runId);
  fs.mkdirSync(logDir, { recursive: true });
  const seed = positiveInt('CONTRACT_SEED', DEFAULT_SEED);
  const maxExamples = positiveInt('CONTRACT_MAX_EXAMPLES', DEFAULT_MAX_EXAMPLES);
  const schemathesis = await ensureSchemathesis(log);

  const env = appEnv(runId);
  const processes: AppProcess[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(processes.map((p) => p.stop()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  try {
    const api = startAppProcess('api', env, logDir);
    processes.push(api);
    const baseUrl = await api.address();
    const worker = startAppProcess('worker', env, logDir);
    processes.push(worker);
    await worker.address();
    log(`API ${baseUrl}, queue ${runId}, seed ${seed}, max examples ${maxExamples}; logs in ${logDir}`);

    const token = await mintToken(runId, env);
    const configFile = path.join(logDir, 'schemathesis.toml');
    fs.writeFileSync(configFile, schemathesisConfig());
    const args = schemathesisArgs({
      baseUrl,
      token,
      seed,
      maxExamples,
      reportDir: path.join(logDir, 'report'),
      configFile,
      extra: process.argv.slice(2),
    });
    const status = await runSchemathesis(schemathesis, args, logDir);
    const dead = processes.filter((p) => p.ended() !== null);
    for (const p of dead) {
      log(`the ${p.name} ended during the run (${p.ended()}); see ${p.logFile}`);
    }
    log(`schemathesis exited ${status}; API and worker logs in ${logDir}`);
    return status !== 0 ? status : dead.length > 0 ? 1 : 0;
  } finally {
    await stopAll();
  }
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
