/**
 * `npm run cluster -- <command>`: Batchport as a small multi-process deployment on loopback
 * (3 Cassandra nodes, SeaweedFS master + 3 volume servers + filer + S3, Redis primary/replica +
 * 3 Sentinels, PostgreSQL, 2 APIs behind HAProxy, 2 workers). See docs/deployment.md.
 *
 *   up       start what is not running (builds first; Cassandra nodes join one at a time)
 *   down     stop everything it started
 *   status   one line per process; exit 1 unless all answer
 *   env      KEY=VALUE lines of the roles' environment, plus BATCHPORT_URL (the load balancer)
 *
 * Data, logs and pid files: $BATCHPORT_CLUSTER_DIR (default <repo>/.data/cluster).
 */
import { envLine, ServiceError } from './services/common.js';
import { clusterDir, clusterEnv, down, status, up } from './cluster/index.js';

const USAGE = `usage: npm run cluster -- up|down|status|env
data dir: BATCHPORT_CLUSTER_DIR (now ${clusterDir()})`;

async function main(cmd: string | undefined): Promise<number> {
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      await up();
      process.stderr.write(`[cluster] up: done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const res = await status();
      for (const p of res.procs) {
        process.stdout.write(
          `${p.name.padEnd(14)} ${p.state.padEnd(13)} ${p.pid !== undefined ? `pid=${p.pid}` : ''}\n`,
        );
      }
      return res.ok ? 0 : 1;
    }
    case 'env':
      for (const [k, v] of Object.entries(await clusterEnv())) {
        process.stdout.write(envLine(k, v) + '\n');
      }
      return 0;
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      process.stderr.write(`${cmd === undefined ? '' : `unknown command: ${cmd}\n`}${USAGE}\n`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[cluster] ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof ServiceError) && err instanceof Error && err.stack) {
      process.stderr.write(err.stack + '\n');
    }
    process.exit(1);
  },
);
