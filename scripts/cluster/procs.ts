/**
 * One process of the local cluster: how to start it, how to tell it answers, how to stop it.
 * Pid files, readiness polling and stopping reuse the helpers of `npm run services`.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureDir,
  liveProcess,
  log,
  pidFile,
  portHolder,
  portOpen,
  procStartTime,
  ServiceError,
  spawnDetached,
  stopProcess,
  waitReady,
  writePidFile,
  type PidInfo,
} from '../services/common.js';
import { clusterDir } from './topology.js';

export interface ClusterProc {
  /** Unique in the cluster; also the folder name under the cluster dir. */
  name: string;
  /** Every host:port it binds (checked for foreign holders before start). */
  binds: ReadonlyArray<{ host: string; port: number }>;
  /** Builds config files and returns the command; its args must contain `marker`. */
  command(): { cmd: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv };
  /** A substring of the command line unique to this process (pid files are verified with it). */
  marker: string;
  /** A real client round trip. Never throws. */
  probe(): Promise<boolean>;
  readyTimeoutMs: number;
  stopSignal: NodeJS.Signals;
  stopGraceMs: number;
}

export const procDir = (name: string): string => path.join(clusterDir(), name);
export const procLog = (name: string): string => path.join(procDir(name), `${name}.log`);

export function live(p: ClusterProc): PidInfo | undefined {
  return liveProcess(p.name, p.marker, procDir(p.name));
}

/** Starts the process unless ours already runs, and waits until it answers. */
export async function startProc(p: ClusterProc): Promise<'started' | 'already-running'> {
  ensureDir(procDir(p.name));
  // Owner only: configs here hold secrets, and some are rewritten by their process with its own
  // file mode (Sentinel's CONFIG REWRITE leaves sentinel.conf 644).
  fs.chmodSync(procDir(p.name), 0o700);
  const running = live(p);
  if (running) {
    await waitReady(p.name, () => p.probe(), {
      timeoutMs: p.readyTimeoutMs,
      pid: running,
      logFile: procLog(p.name),
    });
    return 'already-running';
  }
  for (const b of p.binds) {
    if (await portOpen(b.port, b.host)) {
      throw new ServiceError(
        `${p.name}: ${b.host}:${b.port} is already in use by another process (${portHolder(b.port)})`,
      );
    }
  }
  const t0 = Date.now();
  const c = p.command();
  const pid = spawnDetached(c.cmd, c.args, procLog(p.name), { cwd: c.cwd ?? procDir(p.name), env: c.env });
  writePidFile(p.name, pid, procDir(p.name));
  const info = { pid, startTime: procStartTime(pid)! };
  await waitReady(p.name, () => p.probe(), {
    timeoutMs: p.readyTimeoutMs,
    pid: info,
    logFile: procLog(p.name),
  });
  log(`${p.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (pid ${pid})`);
  return 'started';
}

/** Graceful stop (SIGKILL after the grace period). */
export async function stopProc(p: ClusterProc): Promise<'stopped' | 'killed' | 'not-running'> {
  const running = live(p);
  if (!running) {
    return 'not-running';
  }
  const killed = await stopProcess(running, p.stopSignal, p.stopGraceMs);
  fs.rmSync(pidFile(p.name, procDir(p.name)), { force: true });
  log(`${p.name}: ${killed ? 'killed after the grace period' : 'stopped'}`);
  return killed ? 'killed' : 'stopped';
}

/** SIGKILL, no grace: what the fault tests do. Resolves once the process is gone. */
export async function killProc(p: ClusterProc): Promise<void> {
  const running = live(p);
  if (!running) {
    throw new ServiceError(`${p.name}: not running, cannot kill it`);
  }
  await stopProcess(running, 'SIGKILL', 5_000);
  fs.rmSync(pidFile(p.name, procDir(p.name)), { force: true });
}

export interface ProcStatus {
  name: string;
  state: 'running' | 'unresponsive' | 'stopped';
  pid?: number;
}

export async function procStatus(p: ClusterProc): Promise<ProcStatus> {
  const running = live(p);
  if (!running) {
    return { name: p.name, state: 'stopped' };
  }
  return { name: p.name, state: (await p.probe()) ? 'running' : 'unresponsive', pid: running.pid };
}
