/**
 * Private, real local service instances for development and tests.
 * CLI: `npm run services -- up|down|status|env [--all] [NAME...]` (scripts/services.ts).
 * Tests import `up`, `down`, `status` and `envFor` from here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cassandra } from './cassandra.js';
import {
  checkPortOffset,
  dataDir,
  liveProcess,
  log,
  pidFile,
  PORT_OFFSET,
  portBindable,
  portConnection,
  portHolder,
  portOpen,
  procStartTime,
  ServiceError,
  sleep,
  stopProcess,
  waitReady,
  withLock,
  writePidFile,
  type PidInfo,
  type ServiceDef,
  type ServiceName,
} from './common.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { seaweedfs } from './seaweedfs.js';

export { ServiceError, type ServiceName } from './common.js';

export const SERVICES: Record<ServiceName, ServiceDef> = { postgres, redis, seaweedfs, cassandra };
export const ALL_SERVICES: readonly ServiceName[] = ['postgres', 'redis', 'seaweedfs', 'cassandra'];
/** What `up` (without names) starts. */
export const DEFAULT_SERVICES: readonly ServiceName[] = ['postgres', 'redis'];

/** Dev-only JWT signing secret (HS256 needs >= 32 bytes). Never use outside local dev/tests. */
export const DEV_JWT_SECRET = 'batchport-dev-only-jwt-secret-do-not-use-in-production';

/**
 * The data dir remembers the port offset its services were started with
 * (`<data>/services/port-offset`; missing = 0, the historical layout). Acting on live services
 * with another offset would probe, print or stop the wrong ports, so it is refused: this is what
 * keeps `BATCHPORT_PORT_OFFSET=300` without its `BATCHPORT_DATA_DIR` away from the default stack.
 */
function offsetStamp(): string {
  return path.join(dataDir(), 'services', 'port-offset');
}

function stampedOffset(): number {
  try {
    return Number(fs.readFileSync(offsetStamp(), 'utf8').trim());
  } catch {
    return 0;
  }
}

function checkStack(): void {
  checkPortOffset();
  const stamped = stampedOffset();
  if (stamped === PORT_OFFSET) {
    return;
  }
  const live = ALL_SERVICES.filter((n) => liveProcess(n, SERVICES[n].marker) !== undefined);
  if (live.length > 0) {
    throw new ServiceError(
      `the services in ${dataDir()} (${live.join(', ')} running) use BATCHPORT_PORT_OFFSET=${stamped}, ` +
        `but this process has ${PORT_OFFSET}. Use the same offset with this BATCHPORT_DATA_DIR, ` +
        `or another BATCHPORT_DATA_DIR for another stack.`,
    );
  }
}

function writeStamp(): void {
  fs.mkdirSync(path.dirname(offsetStamp()), { recursive: true });
  fs.writeFileSync(offsetStamp(), `${PORT_OFFSET}\n`);
}

export function isServiceName(s: string): s is ServiceName {
  return (ALL_SERVICES as readonly string[]).includes(s);
}

function resolve(names: readonly string[] | undefined, fallback: readonly ServiceName[]): ServiceName[] {
  if (names === undefined || names.length === 0) {
    return [...fallback];
  }
  const bad = names.filter((n) => !isServiceName(n));
  if (bad.length > 0) {
    throw new ServiceError(`unknown service(s): ${bad.join(', ')} (known: ${ALL_SERVICES.join(', ')})`);
  }
  return [...new Set(names as ServiceName[])];
}

export type UpOutcome = 'started' | 'already-running';

async function upOne(svc: ServiceDef): Promise<UpOutcome> {
  return withLock(svc.name, async () => {
    const t0 = Date.now();
    const live = liveProcess(svc.name, svc.marker);
    if (live) {
      // Ours and alive: make sure it really answers (it may still be starting after a crash of
      // a previous `up`), then re-run the idempotent bootstrap (cheap) in case state was lost.
      await waitReady(svc.name, () => svc.probe(), {
        timeoutMs: svc.readyTimeoutMs,
        pid: live,
        logFile: svc.logFile(),
      });
      await svc.bootstrap();
      log(`${svc.name}: already running (pid ${live.pid})`);
      return 'already-running';
    }
    for (const port of svc.ports) {
      if (await portOpen(port)) {
        throw new ServiceError(
          `${svc.name}: port 127.0.0.1:${port} is already in use by another process (${portHolder(port)}), ` +
            `not one started by this script. Stop it, or free the port, then retry.`,
        );
      }
    }
    for (const port of svc.ports) {
      await waitBindable(svc.name, port);
    }
    await svc.install();
    const pid = await svc.start();
    writePidFile(svc.name, pid);
    const info = { pid, startTime: procStartTime(pid)! };
    log(`${svc.name}: started pid ${pid}, waiting until it answers on 127.0.0.1:${svc.port}`);
    await waitReady(svc.name, () => svc.probe(), {
      timeoutMs: svc.readyTimeoutMs,
      pid: info,
      logFile: svc.logFile(),
    });
    await svc.bootstrap();
    log(`${svc.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (log: ${svc.logFile()})`);
    return 'started';
  });
}

/**
 * How long `up` waits for a port that an outgoing connection holds (see waitBindable): a bit more
 * than Linux's 60 s TIME_WAIT, which keeps a closed client's port from a listener's bind too.
 */
const BIND_WAIT_MS = 70_000;

/**
 * Nothing listens on the port, yet it may not be free: its service was down, and an outgoing
 * connection took it as an ephemeral source port (all the fixed ports lie in Linux's ephemeral
 * range). The service would then die at bind with an obscure log line. A short connection lets
 * go within a minute, so wait; a lasting one gets a message naming it and the cure.
 */
async function waitBindable(name: string, port: number): Promise<void> {
  const deadline = Date.now() + BIND_WAIT_MS;
  let logged = false;
  while (!(await portBindable(port))) {
    if (Date.now() > deadline) {
      throw new ServiceError(
        `${name}: port 127.0.0.1:${port} is held by an outgoing connection (${portConnection(port)}), ` +
          `which took it as an ephemeral source port; close it, or keep the stack's ports out of the ` +
          `ephemeral range as root: npm run services -- reserve-ports`,
      );
    }
    if (!logged) {
      log(
        `${name}: port ${port} is held by an outgoing connection; waiting up to ${BIND_WAIT_MS / 1000}s for it`,
      );
      logged = true;
    }
    await sleep(250);
  }
}

/**
 * Starts the named services (default: postgres + redis), in parallel, and resolves when each one
 * really answers. Idempotent. Rejects (after all attempts settle) if any failed.
 */
export async function up(names?: readonly string[]): Promise<Record<string, UpOutcome>> {
  const list = resolve(names, DEFAULT_SERVICES);
  checkStack();
  writeStamp();
  fs.mkdirSync(path.join(dataDir(), 'storage'), { recursive: true }); // LOCAL_STORAGE_DIR
  const results = await Promise.allSettled(list.map((n) => upOne(SERVICES[n])));
  const out: Record<string, UpOutcome> = {};
  const errors: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      out[list[i]!] = r.value;
    } else {
      errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
  });
  if (errors.length > 0) {
    throw new ServiceError(errors.join('\n\n'));
  }
  return out;
}

export type DownOutcome = 'stopped' | 'killed' | 'not-running';

async function downOne(svc: ServiceDef): Promise<DownOutcome> {
  return withLock(svc.name, async () => {
    const live = liveProcess(svc.name, svc.marker);
    if (!live) {
      log(`${svc.name}: not running (no live process from our pid file)`);
      return 'not-running';
    }
    log(
      `${svc.name}: stopping pid ${live.pid} (${svc.stopSignal}, SIGKILL after ${svc.stopGraceMs / 1000}s)`,
    );
    const killed = await stopProcess(live, svc.stopSignal, svc.stopGraceMs);
    await waitGone(svc, live);
    fs.rmSync(pidFile(svc.name), { force: true });
    if (killed) {
      log(`${svc.name}: did not exit in time, killed`);
    } else {
      log(`${svc.name}: stopped`);
    }
    return killed ? 'killed' : 'stopped';
  });
}

/**
 * Gone means gone from /proc *and* its ports closed. A JVM's leader thread turns zombie (which
 * procStartTime reads as dead) while its other threads are still being torn down and hold the
 * listening sockets, and `up` refuses a port still held (a graceful `down` then `up` of
 * Cassandra failed on its JMX port that way).
 */
async function waitGone(svc: ServiceDef, live: PidInfo, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const gone = async () =>
    procStartTime(live.pid) !== live.startTime &&
    (await Promise.all(svc.ports.map((p) => portOpen(p)))).every((open) => !open);
  while (!(await gone()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops the named services (default: all) that this script started, in parallel. */
export async function down(names?: readonly string[]): Promise<Record<string, DownOutcome>> {
  const list = resolve(names, ALL_SERVICES);
  checkStack();
  const results = await Promise.all(list.map((n) => downOne(SERVICES[n])));
  return Object.fromEntries(list.map((n, i) => [n, results[i]!]));
}

/**
 * SIGKILLs the service's whole process group (the server and its workers, e.g. PostgreSQL's
 * backends mid-transaction), as a crash or the OOM killer would: no shutdown, the pid file and
 * whatever the service keeps on disk are left as they are. `up` must then recover from that
 * state (the fault suite's hard-kill runs, test/faults/hardKill.test.ts).
 */
export async function kill(name: ServiceName): Promise<'killed' | 'not-running'> {
  const svc = SERVICES[name];
  return withLock(svc.name, async () => {
    const live = liveProcess(svc.name, svc.marker);
    if (!live) {
      return 'not-running';
    }
    log(`${svc.name}: SIGKILL to process group ${live.pid}`);
    try {
      process.kill(-live.pid, 'SIGKILL');
    } catch {
      process.kill(live.pid, 'SIGKILL');
    }
    await waitGone(svc, live);
    return 'killed';
  });
}

export type State = 'running' | 'unresponsive' | 'stopped' | 'port-taken';

export interface ServiceStatus {
  name: ServiceName;
  state: State;
  pid?: number;
  port: number;
  detail: string;
}

async function statusOne(svc: ServiceDef): Promise<ServiceStatus> {
  const live = liveProcess(svc.name, svc.marker);
  const base = { name: svc.name, port: svc.port };
  if (live) {
    const ok = await svc.probe();
    return {
      ...base,
      pid: live.pid,
      state: ok ? 'running' : 'unresponsive',
      detail: ok
        ? `answering on 127.0.0.1:${svc.port}`
        : `process alive but not answering (log: ${svc.logFile()})`,
    };
  }
  if (await portOpen(svc.port)) {
    return {
      ...base,
      state: 'port-taken',
      detail: `port ${svc.port} held by another process (${portHolder(svc.port)})`,
    };
  }
  return { ...base, state: 'stopped', detail: 'not running' };
}

/**
 * State of the named services (default: all four). `ok` is true when every *requested* one is
 * running; without names only the default set (postgres, redis) counts towards `ok`.
 */
export async function status(names?: readonly string[]): Promise<{ ok: boolean; services: ServiceStatus[] }> {
  const explicit = names !== undefined && names.length > 0;
  const list = resolve(names, ALL_SERVICES);
  checkStack();
  const services = await Promise.all(list.map((n) => statusOne(SERVICES[n])));
  const counted = explicit ? services : services.filter((s) => DEFAULT_SERVICES.includes(s.name));
  return { ok: counted.every((s) => s.state === 'running'), services };
}

/** True when our process for the service is alive (pid file verified; no network round trip). */
export function isRunning(name: ServiceName): boolean {
  const svc = SERVICES[name];
  return liveProcess(svc.name, svc.marker) !== undefined;
}

/**
 * Environment for the app and tests: postgres/redis always, seaweedfs/cassandra only while
 * running, plus dev-only JWT_SECRET and LOCAL_STORAGE_DIR. Ports include BATCHPORT_PORT_OFFSET. Synchronous and side-effect free
 * (apart from cleaning stale pid files).
 */
export function envFor(): Record<string, string> {
  checkStack();
  return {
    ...postgres.env(),
    ...redis.env(),
    ...(isRunning('seaweedfs') ? seaweedfs.env() : {}),
    ...(isRunning('cassandra') ? cassandra.env() : {}),
    JWT_SECRET: DEV_JWT_SECRET,
    LOCAL_STORAGE_DIR: path.join(dataDir(), 'storage'),
  };
}
