/**
 * The Batchport roles of the cluster, run from the compiled build (`npm run build` first): two
 * API processes, two worker processes, and HAProxy in front of the APIs.
 */
import { workerNodeFlagsFor } from '../../src/worker/workerHeap.js';
import { REPO_ROOT, portOpen, which } from '../services/common.js';
import type { ClusterProc } from './procs.js';
import { APIS, HAPROXY_CFG, LB_PORT, WORKERS } from './topology.js';

async function readyz(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

function role(
  kind: 'api' | 'worker',
  p: { name: string; port: number; opsPort?: number },
  env: () => Record<string, string>,
): ClusterProc {
  return {
    name: p.name,
    binds: [p.port, ...(p.opsPort !== undefined ? [p.opsPort] : [])].map((port) => ({
      host: '127.0.0.1',
      port,
    })),
    // --title makes the process's command line read `batchport-api-1` (pid files are verified
    // against it); node overwrites argv with the title, so the flag itself is not visible.
    marker: `batchport-${p.name}`,
    command: () => {
      const roleEnv = env();
      const v8Flags = kind === 'worker' ? workerNodeFlagsFor(Number(roleEnv['WORKER_CONCURRENCY'] ?? 2)) : [];
      return {
        cmd: process.execPath,
        args: [`--title=batchport-${p.name}`, '--enable-source-maps', ...v8Flags, `dist/bin/${kind}.js`],
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...roleEnv,
          ...(kind === 'api'
            ? { PORT: String(p.port), OPS_PORT: String(p.opsPort ?? 0) }
            : { WORKER_HTTP_PORT: String(p.port) }),
        },
      };
    },
    probe: () => readyz(p.port),
    // Generous: on the shared 2-core machine a role took over 60 s to become ready under load.
    readyTimeoutMs: 180_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 35_000, // close-with-grace waits up to 30 s
  };
}

export const apiProcs = (env: () => Record<string, string>): ClusterProc[] =>
  APIS.map((p) => role('api', p, env));
export const workerProcs = (env: () => Record<string, string>): ClusterProc[] =>
  WORKERS.map((p) => role('worker', p, env));

export function haproxyProc(): ClusterProc {
  return {
    name: 'haproxy',
    binds: [{ host: '127.0.0.1', port: LB_PORT }],
    marker: HAPROXY_CFG,
    command: () => ({ cmd: which('haproxy') ?? '/usr/sbin/haproxy', args: ['-db', '-f', HAPROXY_CFG] }),
    probe: () => portOpen(LB_PORT),
    readyTimeoutMs: 15_000,
    stopSignal: 'SIGUSR1', // soft stop: finish the open connections
    stopGraceMs: 10_000,
  };
}
