/**
 * `up` and a port that nothing listens on but an outgoing connection holds: what a service's
 * fixed port can be while the service is down, since every fixed port lies in Linux's ephemeral
 * range (scripts/services/index.ts, waitBindable). A CI run lost SeaweedFS's filer port that way.
 *
 * It runs its own Redis on an offset stack in a fresh data dir, so it never disturbs the shared
 * services, and the port it holds carries no TIME_WAIT of theirs (which would keep the holder
 * from binding it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_PORTS, REPO_ROOT } from '../../scripts/services/common.js';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const OFFSET = 1200;
const REDIS_PORT = BASE_PORTS.redis + OFFSET;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchport-port-held-'));
const env = { ...process.env, BATCHPORT_DATA_DIR: dataDir, BATCHPORT_PORT_OFFSET: String(OFFSET) };

/** Every CLI run and port holder started, so afterAll can end them before it cleans up. */
const started: Promise<unknown>[] = [];
const holders: ChildProcess[] = [];

/** Runs the services CLI of the offset stack; resolves with its exit code and stderr. */
function services(...args: string[]): {
  done: Promise<{ code: number | null; stderr: string }>;
  stderr: () => string;
} {
  const child = spawn(TSX, ['scripts/services.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stderr })),
  );
  started.push(done);
  return { done, stderr: () => stderr };
}

/**
 * A Python process whose socket is bound to `port` and connected out (to a listener of its own),
 * bound without SO_REUSEADDR, as an ordinary client's connect() is. It lets go when its stdin
 * closes, resetting the connection so no TIME_WAIT is left behind.
 */
async function holdPort(port: number): Promise<ChildProcess> {
  const script = [
    'import socket, struct, sys, time',
    'server = socket.socket()',
    'server.bind(("127.0.0.1", 0))',
    'server.listen(1)',
    'deadline = time.time() + 10',
    'while True:',
    '    s = socket.socket()',
    '    try:',
    `        s.bind(("127.0.0.1", ${port}))`,
    '        break',
    '    except OSError:',
    '        s.close()',
    '        if time.time() > deadline: raise',
    '        time.sleep(0.2)',
    's.connect(server.getsockname())',
    'print("held", flush=True)',
    'sys.stdin.read()',
    's.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))',
    's.close()',
  ].join('\n');
  const holder = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  holders.push(holder);
  await new Promise((resolve, reject) => {
    holder.stdout.once('data', resolve);
    holder.once('exit', (code) =>
      reject(new Error(`the port holder exited before holding ${port} (${code})`)),
    );
  });
  return holder;
}

/** Waits for `condition`; fails at once, with what `up` printed, if `up` ends first. */
async function until(
  condition: () => boolean,
  run: ReturnType<typeof services>,
  timeoutMs: number,
): Promise<void> {
  let ended = false;
  void run.done.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (ended || Date.now() > deadline) {
      throw new Error(
        `${ended ? 'up ended' : `not reached within ${timeoutMs} ms`}; it printed:\n${run.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm run services: a port held by an outgoing connection', () => {
  afterAll(async () => {
    // A failed test may leave `up` still waiting: let go of the port and let it finish first,
    // or it would start Redis (or write its files) after the clean-up.
    for (const holder of holders) {
      holder.kill();
    }
    await Promise.allSettled(started);
    await services('down').done;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('up waits until the connection lets go, then starts the service', async () => {
    const holder = await holdPort(REDIS_PORT);
    const up = services('up', 'redis');
    await until(
      () => up.stderr().includes(`port ${REDIS_PORT} is held by an outgoing connection`),
      up,
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // still held: up must keep waiting
    expect(up.stderr()).not.toMatch(/started pid|ERROR/);
    holder.stdin!.end();
    const { code, stderr } = await up.done;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/redis: ready in/);
    const status = services('status', 'redis');
    expect((await status.done).code).toBe(0);
  }, 120_000);
});
