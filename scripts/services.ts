/**
 * `npm run services -- <command>`: private, real local service instances (no docker).
 *
 *   up [--all] [NAME...]   start postgres+redis (default), all four (--all) or the named ones
 *   down [NAME...]         stop the named ones (default: all) that this script started
 *   status [NAME...]       print each one's state; exit 1 if a requested one is down
 *   env                    print KEY=VALUE lines: set -a; source <(npm run -s services -- env)
 *   reserve-ports          keep the stack's ports out of Linux's ephemeral range (root; CI does it)
 *
 * Services: postgres (55432), redis (56379), seaweedfs (S3 58333), cassandra (CQL 59042).
 * Logs go to stderr; only `env` and `status` write to stdout.
 */
import { ALL_SERVICES, down, envFor, ServiceError, status, up } from './services/index.js';
import { envLine } from './services/common.js';
import { reserveStackPorts } from './services/reservedPorts.js';

const USAGE = `usage: npm run services -- <command> [options]
  up [--all] [NAME...]   start postgres+redis (default), --all for all four, or the named ones
  down [NAME...]         stop services started by this script (default: all)
  status [--all] [NAME...] print state; exit 1 if a requested service is down
                         (without names: all are shown, postgres+redis decide the exit code)
  env                    print KEY=VALUE lines (set -a; source <(npm run -s services -- env))
  reserve-ports          keep the stack's ports out of Linux's ephemeral range, so no outgoing
                         connection takes one while its service is down (root; CI does this)
services: ${ALL_SERVICES.join(', ')}
env: BATCHPORT_DATA_DIR overrides the data dir (default <repo>/.data)`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const all = rest.includes('--all');
  const names = rest.filter((a) => !a.startsWith('-'));
  const unknownFlags = rest.filter((a) => a.startsWith('-') && a !== '--all');
  if (unknownFlags.length > 0) {
    throw new ServiceError(`unknown option(s): ${unknownFlags.join(' ')}\n${USAGE}`);
  }
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      await up(all ? ALL_SERVICES : names);
      process.stderr.write(`[services] up: done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      return 0;
    }
    case 'down':
      await down(all ? ALL_SERVICES : names);
      return 0;
    case 'status': {
      const res = await status(all ? ALL_SERVICES : names);
      for (const s of res.services) {
        const pid = s.pid !== undefined ? ` pid=${s.pid}` : '';
        process.stdout.write(
          `${s.name.padEnd(10)} ${s.state.padEnd(12)} port=${s.port}${pid}  ${s.detail}\n`,
        );
      }
      return res.ok ? 0 : 1;
    }
    case 'env':
      for (const [k, v] of Object.entries(envFor())) {
        process.stdout.write(envLine(k, v) + '\n');
      }
      return 0;
    case 'reserve-ports': {
      const { before, after } = reserveStackPorts();
      process.stderr.write(
        before === after
          ? `[services] reserve-ports: already reserved (${after})\n`
          : `[services] reserve-ports: net.ipv4.ip_local_reserved_ports ${before === '' ? '(none)' : before} -> ${after}\n`,
      );
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stderr.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new ServiceError(`unknown command: ${cmd}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[services] ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof ServiceError) && err instanceof Error && err.stack) {
      process.stderr.write(err.stack + '\n');
    }
    process.exit(1);
  },
);
