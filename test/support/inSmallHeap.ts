import { spawnSync } from 'node:child_process';

/**
 * Runs an ES module script (tsx, so it may import the sources) in a fresh Node process with a
 * 64 MB heap; returns how the process ended and the lines it printed. For inputs that once made
 * the parser grow one array until V8 killed the process: a thread's heap limit does not prevent
 * that (src/parsing/spreadsheet/boundedReads.ts), so a test must judge the process's status.
 */
export function inSmallHeap(script: string): { status: number | null; out: string[] } {
  const run = spawnSync(
    process.execPath,
    ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: run.status, out: run.stdout.trim().split('\n') };
}
