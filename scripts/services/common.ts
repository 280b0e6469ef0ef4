/**
 * Shared helpers for the local service manager (`npm run services`).
 *
 * Everything logs to stderr: stdout is reserved for `env`, which must stay sourceable.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');
export const LOOPBACK = '127.0.0.1';

/** Base data dir: `$BATCHPORT_DATA_DIR` or `<repo>/.data`. */
export function dataDir(): string {
  const fromEnv = process.env.BATCHPORT_DATA_DIR;
  return path.resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : path.join(REPO_ROOT, '.data'));
}

/** `<data>/services/<name>`: data, logs and pid file of one service. */
export function serviceDir(name: string): string {
  return path.join(dataDir(), 'services', name);
}

export function log(msg: string): void {
  process.stderr.write(`[services] ${msg}\n`);
}

export class ServiceError extends Error {
  override name = 'ServiceError';
}

// ---------------------------------------------------------------------------
// Port offset: `BATCHPORT_PORT_OFFSET` (integer, default 0) is added to every port the services
// bind, so a second, independent stack (with its own `BATCHPORT_DATA_DIR`) can run beside the
// default one, e.g. for destructive tests. Offset 0 is the historical layout.

/** Every port of the default stack (offset 0), by owner. The single source of the numbers. */
export const BASE_PORTS = {
  postgres: 55432,
  redis: 56379,
  s3: 58333,
  s3Grpc: 58343,
  master: 58334,
  masterGrpc: 58344,
  volume: 58335,
  volumeGrpc: 58345,
  filer: 58336,
  filerGrpc: 58346,
  // `weed mini`'s maintenance worker dials admin HTTP + 10000 whatever -admin.port.grpc says, so
  // the admin pair must keep exactly that distance (and admin + 10000 must stay a valid port).
  admin: 48337,
  adminGrpc: 58337,
  cql: 59042,
  cassandraStorage: 57000,
  cassandraJmx: 57199,
} as const;

export type PortName = keyof typeof BASE_PORTS;

/**
 * Parses and checks an offset: a whole number such that every shifted port stays a valid
 * unprivileged port (1024..65535) and, unless it is 0, no shifted port lands on a port of the
 * default stack (those belong to whoever runs it; e.g. offset 10 would put SeaweedFS's S3 port
 * on the default stack's S3 gRPC port).
 */
export function parsePortOffset(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') {
    return 0;
  }
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) {
    throw new ServiceError(`BATCHPORT_PORT_OFFSET must be a whole number, got ${JSON.stringify(raw)}`);
  }
  const offset = Number(text);
  const base = Object.entries(BASE_PORTS) as Array<[PortName, number]>;
  const lo = Math.min(...base.map(([, p]) => p));
  const hi = Math.max(...base.map(([, p]) => p));
  if (lo + offset < 1024 || hi + offset > 65535) {
    throw new ServiceError(
      `BATCHPORT_PORT_OFFSET=${offset} puts ports outside 1024..65535 ` +
        `(allowed: ${1024 - lo}..${65535 - hi}; the highest port is Cassandra CQL ${hi})`,
    );
  }
  if (offset !== 0) {
    const byPort = new Map(base.map(([name, port]) => [port, name]));
    for (const [name, port] of base) {
      const clash = byPort.get(port + offset);
      if (clash !== undefined) {
        throw new ServiceError(
          `BATCHPORT_PORT_OFFSET=${offset} would put ${name} on ${port + offset}, the default stack's ${clash} port; ` +
            `choose another offset (e.g. 300, 500, 1000)`,
        );
      }
    }
  }
  return offset;
}

let offsetProblem: ServiceError | undefined;

function readOffset(): number {
  try {
    return parsePortOffset(process.env.BATCHPORT_PORT_OFFSET);
  } catch (error) {
    // Reported by checkPortOffset() from every entry point (up/down/status/env), so the CLI prints
    // one clear line instead of a stack trace at import; NaN ports can never be used by mistake.
    offsetProblem = error as ServiceError;
    return Number.NaN;
  }
}

/** The offset of this process, read once at start (`BATCHPORT_PORT_OFFSET`, default 0). */
export const PORT_OFFSET = readOffset();

/** Throws the ServiceError explaining why `BATCHPORT_PORT_OFFSET` is unusable, if it is. */
export function checkPortOffset(): void {
  if (offsetProblem) {
    throw offsetProblem;
  }
}

/** A service port with the offset applied. */
export function port(name: PortName): number {
  return BASE_PORTS[name] + PORT_OFFSET;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing output. Never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions & { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      opts.timeoutMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (err) => {
      if (timer) {
        clearTimeout(timer);
      }
      reject(new ServiceError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) {
        clearTimeout(timer);
      }
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    // A command that exits without reading its stdin (psql, pg_isready on a refused connection)
    // makes this write fail with EPIPE; that is not an error of ours, and unhandled it would crash
    // the calling process (seen in the outage tests).
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run() but throws a ServiceError with the command's output when it fails. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions & { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new ServiceError(
      `command failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${(r.stderr || r.stdout).trim()}`,
    );
  }
  return r;
}

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out !== '' ? out : undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

// ---------------------------------------------------------------------------
// apt: serialised within this process (dpkg holds a global lock), `update` at most once.

let aptQueue: Promise<unknown> = Promise.resolve();
let aptUpdated = false;

/** Installs Debian packages with apt-get (root only); otherwise fails naming the package. */
export function aptInstall(packages: readonly string[], why: string): Promise<void> {
  const job = aptQueue.then(async () => {
    if (!isRoot()) {
      throw new ServiceError(
        `${why} is missing. Install it with: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      log(`apt-get update (to install ${packages.join(' ')})`);
      await runOk('apt-get', ['update', '-qq'], { env });
      aptUpdated = true;
    }
    log(`apt-get install -y ${packages.join(' ')}`);
    // policy-rc.d / no init system: the package's own system service is not started here,
    // and we never use it anyway (private instances only).
    const r = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
    if (r.code !== 0) {
      throw new ServiceError(
        `could not install ${packages.join(' ')} (needed for ${why}); apt-get said:\n${r.stderr.trim()}\n` +
          `Install it yourself: apt-get update && apt-get install -y ${packages.join(' ')}`,
      );
    }
  });
  aptQueue = job.catch(() => undefined);
  return job;
}

// ---------------------------------------------------------------------------
// Ports

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (v: boolean): void => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** True when this process could listen on 127.0.0.1:port right now (nothing bound to it). */
export function portBindable(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Best-effort description of the connection bound to a port without listening (via `ss`). */
export function portConnection(port: number): string {
  if (!which('ss')) {
    return 'unknown connection';
  }
  const r = spawnSync('ss', ['-Htnp', `sport = :${port}`], { encoding: 'utf8' });
  return r.stdout.trim().split('\n')[0]?.replace(/\s+/g, ' ') || 'unknown connection';
}

/** Best-effort description of who listens on a port (via `ss`), for error messages. */
export function portHolder(port: number): string {
  if (!which('ss')) {
    return 'unknown process';
  }
  const r = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const m = /users:\(\((.*?)\)\)/.exec(r.stdout);
  return m?.[1] ?? (r.stdout.trim() || 'unknown process');
}

// ---------------------------------------------------------------------------
// Processes and pid files

/** Kernel start time of a process (field 22 of /proc/<pid>/stat), or undefined if gone. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') {
      return undefined;
    } // zombie: as good as dead
    return rest[19];
  } catch {
    return undefined;
  }
}

export function procCmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export interface PidInfo {
  pid: number;
  startTime: string;
}

/** `dir` defaults to the service's folder; `npm run cluster` keeps its own under the cluster dir. */
export function pidFile(name: string, dir = serviceDir(name)): string {
  return path.join(dir, `${name}.pid`);
}

export function writePidFile(name: string, pid: number, dir = serviceDir(name)): void {
  const startTime = procStartTime(pid);
  if (startTime === undefined) {
    throw new ServiceError(`${name}: process ${pid} died right after start`);
  }
  fs.writeFileSync(pidFile(name, dir), `${pid}\n${startTime}\n`);
}

/**
 * The process recorded in the service's pid file, if it is still that same process
 * (same pid, same kernel start time, and its command line contains `marker`).
 * A stale pid file (dead or reused pid) is removed.
 */
export function liveProcess(name: string, marker: string, dir = serviceDir(name)): PidInfo | undefined {
  const file = pidFile(name, dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pidStr, startTime] = text.trim().split('\n');
  const pid = Number(pidStr);
  const alive =
    Number.isInteger(pid) &&
    pid > 0 &&
    startTime !== undefined &&
    procStartTime(pid) === startTime &&
    (procCmdline(pid) ?? '').includes(marker);
  if (!alive) {
    log(`${name}: removing stale pid file (process ${pidStr ?? '?'} is gone)`);
    fs.rmSync(file, { force: true });
    return undefined;
  }
  return { pid, startTime };
}

/** Starts a long-running process detached from us, output appended to logFile. Returns its pid. */
export function spawnDetached(
  cmd: string,
  args: readonly string[],
  logFile: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): number {
  const fd = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting: ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    child.on('error', (err) => log(`failed to start ${cmd}: ${err.message}`));
    child.unref();
    if (child.pid === undefined) {
      throw new ServiceError(`could not start ${cmd}`);
    }
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** Sends `signal`, waits up to graceMs for exit, then SIGKILLs. Returns true if it had to kill. */
export async function stopProcess(info: PidInfo, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  const alive = (): boolean => procStartTime(info.pid) === info.startTime;
  try {
    process.kill(info.pid, signal);
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive()) {
      return false;
    }
    await sleep(100);
  }
  if (!alive()) {
    return false;
  }
  try {
    process.kill(info.pid, 'SIGKILL');
  } catch {
    return false;
  }
  for (let i = 0; i < 50 && alive(); i++) {
    await sleep(100);
  }
  return true;
}

/** Last lines of a log file, for error messages. */
export function tail(file: string, lines = 25): string {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true. Fails early when the process dies, or at the deadline,
 * in both cases with the tail of the log.
 */
export async function waitReady(
  name: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; pid: PidInfo; logFile: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await probe()) {
      return;
    }
    if (procStartTime(opts.pid.pid) !== opts.pid.startTime) {
      throw new ServiceError(
        `${name} exited during startup. Last log lines (${opts.logFile}):\n${tail(opts.logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ServiceError(
        `${name} did not become ready within ${opts.timeoutMs / 1000}s (pid ${opts.pid.pid} left running; ` +
          `stop it with: npm run services -- down ${name}). Last log lines (${opts.logFile}):\n${tail(opts.logFile)}`,
      );
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

// ---------------------------------------------------------------------------
// A per-service lock, so two concurrent `up`/`down` calls (e.g. a test setup and a shell) do
// not start the same service twice.

const inProcess = new Map<string, Promise<unknown>>();

export function withLock<T>(name: string, fn: () => Promise<T>, waitMs = 420_000): Promise<T> {
  const prev = inProcess.get(name) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => withFileLock(name, fn, waitMs));
  inProcess.set(name, next);
  return next;
}

async function withFileLock<T>(name: string, fn: () => Promise<T>, waitMs: number): Promise<T> {
  ensureDir(serviceDir(name));
  const lock = path.join(serviceDir(name), '.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n${procStartTime(process.pid) ?? ''}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
      const [pidStr, st] = (fs.existsSync(lock) ? fs.readFileSync(lock, 'utf8') : '').trim().split('\n');
      const holder = Number(pidStr);
      if (
        !Number.isInteger(holder) ||
        holder <= 0 ||
        procStartTime(holder) !== st ||
        holder === process.pid
      ) {
        fs.rmSync(lock, { force: true }); // holder died: stale lock
        continue;
      }
      if (Date.now() > deadline) {
        throw new ServiceError(`${name}: another services command (pid ${holder}) holds ${lock}`);
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Shell-safe rendering of `KEY=VALUE` for `source`. */
export function envLine(key: string, value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value)
    ? `${key}=${value}`
    : `${key}='${value.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------
// What each service module provides to the generic up/down/status logic in index.ts.

export type ServiceName = 'postgres' | 'redis' | 'seaweedfs' | 'cassandra';

export interface ServiceDef {
  name: ServiceName;
  /** The port clients use (checked for foreign holders before start). */
  port: number;
  /** Every port the service binds, all on 127.0.0.1 (checked before start). */
  ports: readonly number[];
  /** Substring of the process command line, to verify a pid file still points at our process. */
  marker: string;
  /** Installs/locates the binaries; idempotent; throws a ServiceError naming what is missing. */
  install(): Promise<void>;
  /** Prepares config/data and starts the process detached; returns its pid (pid file written by caller). */
  start(): Promise<number>;
  /** A real client round trip (not just a port check). Never throws. */
  probe(): Promise<boolean>;
  /** Idempotent bootstrap after the service answers (roles, buckets, keyspaces). */
  bootstrap(): Promise<void>;
  readyTimeoutMs: number;
  /** Graceful stop signal and how long to wait before SIGKILL. */
  stopSignal: NodeJS.Signals;
  stopGraceMs: number;
  logFile(): string;
  /** Env vars for clients (only emitted while the service runs, for optional services). */
  env(): Record<string, string>;
}
