/**
 * Runs a command against the local stack: starts the named services (installing what is missing),
 * loads their connection settings into the environment and runs the command with it.
 *
 *   tsx scripts/withStack.ts [--full|--all] -- <command> [args...]
 *
 * `--full` (npm run start:full) uses SeaweedFS + Cassandra; the default (npm start) local disk +
 * PostgreSQL records. `--all` (npm test) starts all four and leaves the choice to each test.
 */
import { spawn } from 'node:child_process';
import { ALL_SERVICES, DEFAULT_SERVICES, envFor, up } from './services/index.js';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const flags = sep === -1 ? argv : argv.slice(0, sep);
const command = sep === -1 ? [] : argv.slice(sep + 1);
const full = flags.includes('--full');
const all = flags.includes('--all');
if (command.length === 0) {
  process.stderr.write('usage: tsx scripts/withStack.ts [--full|--all] -- <command> [args...]\n');
  process.exit(2);
}

await up(full || all ? ALL_SERVICES : DEFAULT_SERVICES);
const stack = envFor();
const mode: Record<string, string> = full
  ? { USE_LOCAL_STORAGE: 'false', RECORDS_STORE: 'cassandra' }
  : all
    ? {}
    : { USE_LOCAL_STORAGE: 'true', RECORDS_STORE: 'postgres' };

// The caller's own settings win over the stack's defaults.
const env = { ...stack, ...mode, ...process.env };
const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
