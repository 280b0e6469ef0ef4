/**
 * The real API and worker (`src/bin/api.ts`, `src/bin/worker.ts`) as child processes, each
 * logging JSON to a file of its own, so the contract run talks to exactly what production runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, sleep } from '../services/common.js';
import { workerNodeFlagsFor } from '../../src/worker/workerHeap.js';

export interface AppProcess {
  name: string;
  logFile: string;
  /** The `http://host:port` it logged when it started listening. */
  address(timeoutMs?: number): Promise<string>;
  /** Non-null once the process has ended: its exit code, or the signal that ended it. */
  ended(): string | null;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startAppProcess(name: 'api' | 'worker', env: NodeJS.ProcessEnv, logDir: string): AppProcess {
  const logFile = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  // The worker with its role's V8 heap flags, as `npm run worker` starts it.
  const v8Flags = name === 'worker' ? workerNodeFlagsFor(Number(env['WORKER_CONCURRENCY'] ?? 2)) : [];
  const child: ChildProcess = spawn(process.execPath, [...v8Flags, '--import', 'tsx', `src/bin/${name}.ts`], {
    cwd: REPO_ROOT,
    env: { ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let end: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      end = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    }),
  );

  return {
    name,
    logFile,
    ended: () => end,
    async address(timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (end !== null) {
          throw new Error(`${name} ended (${end}) before listening; see ${logFile}`);
        }
        const address = listeningAddress(logFile);
        if (address) {
          return address;
        }
        await sleep(200);
      }
      throw new Error(`${name} did not log a listening address within ${timeoutMs} ms; see ${logFile}`);
    },
    async stop(graceMs = 35_000) {
      if (end !== null) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

// run.ts logs `{ address }` with "... listening" once the socket is bound (PORT=0 picks a free one).
function listeningAddress(logFile: string): string | undefined {
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (line.includes('listening')) {
      try {
        const { address } = JSON.parse(line) as { address?: unknown };
        if (typeof address === 'string') {
          return address;
        }
      } catch {
        // a non-JSON line that happens to contain the word
      }
    }
  }
  return undefined;
}
