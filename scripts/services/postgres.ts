/**
 * PostgreSQL 15 from Debian (`postgresql-15`), as a private cluster under
 * `<data>/services/postgres/data`, listening on 127.0.0.1:55432 (+ `BATCHPORT_PORT_OFFSET`) only, unix socket in
 * `<data>/services/postgres/run`. Postgres refuses to run as root, so as root the cluster is
 * owned and run by the system user `postgres` (created if missing).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  aptInstall,
  ensureDir,
  exists,
  isRoot,
  log,
  port,
  procCmdline,
  run,
  runOk,
  ServiceError,
  serviceDir,
  spawnDetached,
  type ServiceDef,
} from './common.js';

export const PG_PORT = port('postgres');
export const PG_USER = 'batchport';
export const PG_PASSWORD = 'batchport';
export const PG_DATABASE = 'batchport';
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const RUN_AS = 'postgres';

const dir = (): string => serviceDir('postgres');
const pgData = (): string => path.join(dir(), 'data');
const socketDir = (): string => path.join(dir(), 'run');
const logFile = (): string => path.join(dir(), 'postgres.log');

export const databaseUrl = (): string =>
  `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DATABASE}`;

interface Owner {
  user: string;
  uid?: number;
  gid?: number;
}

/** Who runs the cluster: `postgres` when we are root, else ourselves. */
async function owner(): Promise<Owner> {
  if (!isRoot()) {
    return { user: os.userInfo().username };
  }
  let r = spawnSync('id', ['-u', RUN_AS], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`creating system user ${RUN_AS}`);
    await runOk('useradd', [
      '--system',
      '--user-group',
      '--home-dir',
      '/var/lib/postgresql',
      '--shell',
      '/bin/bash',
      RUN_AS,
    ]);
    r = spawnSync('id', ['-u', RUN_AS], { encoding: 'utf8' });
  }
  const g = spawnSync('id', ['-g', RUN_AS], { encoding: 'utf8' });
  return { user: RUN_AS, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function asOwner(o: Owner): { uid?: number; gid?: number } {
  return o.uid !== undefined ? { uid: o.uid, gid: o.gid! } : {};
}

export const postgres: ServiceDef = {
  name: 'postgres',
  port: PG_PORT,
  ports: [PG_PORT],
  marker: `${PG_BIN}/postgres`,
  readyTimeoutMs: 60_000,
  stopSignal: 'SIGINT', // "fast" shutdown: roll back open transactions, checkpoint, exit
  stopGraceMs: 30_000,
  logFile,

  async install() {
    if (!exists(`${PG_BIN}/initdb`) || !exists(`${PG_BIN}/postgres`) || !exists(`${PG_BIN}/psql`)) {
      await aptInstall(['postgresql-15', 'postgresql-client-15'], `PostgreSQL 15 (${PG_BIN}/initdb)`);
    }
    if (!exists(`${PG_BIN}/initdb`)) {
      throw new ServiceError(`PostgreSQL 15 still missing at ${PG_BIN} after install`);
    }
  },

  async start() {
    const o = await owner();
    ensureDir(dir());
    const ids = asOwner(o);
    // The owner must be able to reach its data dir (e.g. a repo under /root is not traversable).
    if (ids.uid !== undefined) {
      const t = spawnSync('test', ['-x', dir()], { uid: ids.uid, gid: ids.gid });
      if (t.status !== 0) {
        throw new ServiceError(
          `user ${o.user} cannot access ${dir()} (a parent directory is not world-traversable). ` +
            `Point BATCHPORT_DATA_DIR at a directory it can reach, e.g. BATCHPORT_DATA_DIR=/var/tmp/batchport`,
        );
      }
    }
    if (!exists(path.join(pgData(), 'PG_VERSION'))) {
      fs.rmSync(pgData(), { recursive: true, force: true });
      for (const d of [pgData(), socketDir()]) {
        ensureDir(d);
        if (ids.uid !== undefined) {
          fs.chownSync(d, ids.uid, ids.gid!);
        }
      }
      fs.chmodSync(pgData(), 0o700);
      log(`postgres: initdb ${pgData()} (as ${o.user})`);
      await runOk(
        `${PG_BIN}/initdb`,
        [
          '-D',
          pgData(),
          '-U',
          o.user,
          '--auth-local=peer',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C.UTF-8',
        ],
        { ...ids, cwd: '/' },
      );
    }
    removeStaleLockFiles();
    ensureDir(socketDir());
    if (ids.uid !== undefined) {
      fs.chownSync(socketDir(), ids.uid, ids.gid!);
    }
    return spawnDetached(
      `${PG_BIN}/postgres`,
      [
        '-D',
        pgData(),
        '-c',
        `port=${PG_PORT}`,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir()}`,
        '-c',
        'logging_collector=off',
        '-c',
        'log_min_messages=warning',
        '-c',
        `cluster_name=batchport-dev`,
      ],
      logFile(),
      { ...ids, cwd: '/' },
    );
  },

  async probe() {
    const ready = await run(
      `${PG_BIN}/pg_isready`,
      ['-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-t', '2'],
      {
        timeoutMs: 5000,
      },
    ).catch(() => undefined);
    if (ready?.code !== 0) {
      return false;
    }
    // Before bootstrap the batchport role may not exist yet; pg_isready is then the best we have.
    const q = await psqlAsApp('SELECT 1').catch(() => undefined);
    if (q?.code === 0) {
      return q.stdout.trim() === '1';
    }
    return !exists(path.join(dir(), '.bootstrapped'));
  },

  async bootstrap() {
    const o = await owner();
    const admin = (sql: string): ReturnType<typeof runOk> =>
      runOk(
        `${PG_BIN}/psql`,
        [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          socketDir(),
          '-p',
          String(PG_PORT),
          '-U',
          o.user,
          '-d',
          'postgres',
          '-tAc',
          sql,
        ],
        { ...asOwner(o), cwd: '/', timeoutMs: 30_000 },
      );
    await admin(
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
           CREATE ROLE ${PG_USER} LOGIN PASSWORD '${PG_PASSWORD}';
         END IF;
       END $$;`,
    );
    const has = await admin(`SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`);
    if (has.stdout.trim() !== '1') {
      await admin(`CREATE DATABASE ${PG_DATABASE} OWNER ${PG_USER}`);
    }
    const check = await psqlAsApp('SELECT current_user');
    if (check.code !== 0 || check.stdout.trim() !== PG_USER) {
      throw new ServiceError(`postgres: cannot log in as ${PG_USER}: ${check.stderr.trim()}`);
    }
    fs.writeFileSync(path.join(dir(), '.bootstrapped'), new Date().toISOString() + '\n');
  },

  env: () => ({ DATABASE_URL: databaseUrl() }),
};

function psqlAsApp(sql: string): ReturnType<typeof run> {
  return run(`${PG_BIN}/psql`, ['-X', '-tA', '-d', databaseUrl(), '-c', sql], {
    timeoutMs: 10_000,
    env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
  });
}

/**
 * After a crash (SIGKILL, OOM kill, power loss) PostgreSQL's lock files stay behind:
 * `postmaster.pid` in the data directory and `.s.PGSQL.<port>.lock` next to the socket.
 * PostgreSQL refuses to start while the pid in one of them exists, and pids wrap (32768 here):
 * soon that pid belongs to some other process and it refuses for ever ("Is another postmaster
 * (PID …) running"). A lock is stale unless its pid is a postgres process on this very data
 * directory; stale ones are removed (start-up recovery then replays the WAL).
 */
function removeStaleLockFiles(): void {
  for (const file of [
    path.join(pgData(), 'postmaster.pid'),
    path.join(socketDir(), `.s.PGSQL.${PG_PORT}.lock`),
  ]) {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      continue; // no lock file: a clean stop
    }
    const cmdline = Number.isInteger(pid) && pid > 0 ? procCmdline(pid) : undefined;
    if (cmdline?.includes('postgres') && cmdline.includes(pgData())) {
      continue; // a live postmaster of ours: let PostgreSQL refuse, and say so
    }
    log(
      `postgres: removing stale ${path.basename(file)} (pid ${pid} is ${cmdline ? 'another process' : 'gone'})`,
    );
    fs.rmSync(file, { force: true });
  }
}
