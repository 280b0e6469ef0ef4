/**
 * Adds up what every CI stage ran and prints one plain closing line, `tests: N passed, N failed`
 * (`, N skipped` when any were). CI's judge reads a run's closing line to tell a run that tested
 * from one that ran nothing; Vitest's and Playwright's summaries are not in the formats it reads,
 * and schemathesis ends on a pytest-style `=== 2 warnings in 49s ===` that reads as "no test ran".
 *
 *   tsx scripts/ci/testTotals.ts <stage>=<exit status>=<log file> …
 *
 * A stage is `vitest`, `playwright`, `schemathesis` or `check` (a script that either passed or
 * not). A stage that exited non-zero but whose log counts no failure counts one failure, so a
 * crash before the runner's summary can never read as green.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

export type StageKind = 'vitest' | 'playwright' | 'schemathesis' | 'check';
export type Counts = { passed: number; failed: number; skipped: number };

const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

function countWords(line: string, words: Record<string, keyof Counts>): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of line.matchAll(/(\d+) ([a-z]+(?: not run)?)/g)) {
    const key = words[match[2] ?? ''];
    if (key) {
      counts[key] += Number(match[1]);
    }
  }
  return counts;
}

/** The counts a runner's own summary gives in `log`, ANSI colours stripped. */
export function countStage(kind: StageKind, log: string): Counts {
  const lines = log.replace(ANSI, '').split(/\r?\n/);
  const zero: Counts = { passed: 0, failed: 0, skipped: 0 };
  switch (kind) {
    case 'vitest': {
      // `      Tests  3 failed | 767 passed | 2 skipped (772)` — one per vitest run in the log.
      return lines
        .filter((line) => /^\s*Tests\s+\d/.test(line))
        .map((line) =>
          countWords(line, { passed: 'passed', failed: 'failed', skipped: 'skipped', todo: 'skipped' }),
        )
        .reduce(add, zero);
    }
    case 'playwright': {
      // `  1 passed (51.4s)`, `  1 failed`, `  1 flaky`, `  2 skipped`, `  3 did not run`.
      return lines
        .filter((line) => /^\s+\d+ (passed|failed|flaky|skipped|did not run)\b/.test(line))
        .map((line) =>
          countWords(line, {
            passed: 'passed',
            failed: 'failed',
            flaky: 'failed',
            skipped: 'skipped',
            'did not run': 'skipped',
          }),
        )
        .reduce(add, zero);
    }
    case 'schemathesis': {
      // `  1311 generated, 1311 passed, 26 skipped` under "Test cases:" (failures add `N failed`).
      const line = lines.find((l) => /^\s*\d+ generated,/.test(l));
      return line ? countWords(line, { passed: 'passed', failed: 'failed', skipped: 'skipped' }) : zero;
    }
    case 'check':
      return zero;
  }
}

function add(a: Counts, b: Counts): Counts {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped };
}

/** One stage's counts, with its exit status folded in. */
export function stageCounts(kind: StageKind, status: number, log: string): Counts {
  const counts = countStage(kind, log);
  if (kind === 'check') {
    return status === 0 ? { ...counts, passed: 1 } : { ...counts, failed: 1 };
  }
  if (status !== 0 && counts.failed === 0) {
    return { ...counts, failed: counts.failed + 1 };
  }
  return counts;
}

export function closingLine(total: Counts): string {
  const skipped = total.skipped > 0 ? `, ${total.skipped} skipped` : '';
  return `tests: ${total.passed} passed, ${total.failed} failed${skipped}`;
}

function main(args: string[]): void {
  let total: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const arg of args) {
    const [kind, status, file] = arg.split('=', 3) as [StageKind, string, string];
    const log = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const counts = stageCounts(kind, Number(status), log);
    console.log(`[ci] ${file}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    total = add(total, counts);
  }
  console.log(closingLine(total));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2));
}
