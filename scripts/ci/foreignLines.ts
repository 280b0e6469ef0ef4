/**
 * Keeps other test runners' closing lines out of `.ci/run`'s output.
 *
 * CI tells a run that tested from one that did not by reading runners' closing lines (pytest, go
 * test, cargo, node's test runner, Surefire, …) and only then a plain last line
 * `N passed, N failed`. Any other runner's closing line anywhere in the output wins over the
 * plain one: schemathesis ends on a pytest-style `=== 2 warnings in 49s ===`, which reads as
 * "no test ran", and got two green submissions judged untested. So:
 *
 *   tsx scripts/ci/foreignLines.ts filter          stdin → stdout, each such line replaced by a
 *                                                  note (the stage log keeps the original)
 *   tsx scripts/ci/foreignLines.ts check FILE      exit 1 if FILE (a run's whole output) holds
 *                                                  one, re-printing the closing line with one
 *                                                  more failure so the plain line stays last
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g; // eslint-disable-line no-control-regex

/** Closing-line shapes of the runners CI reads, each anchored so ordinary log text never matches. */
const RUNNERS: ReadonlyArray<readonly [name: string, shape: RegExp]> = [
  // `===== 2 warnings in 17.59s =====`, `=== 3 passed, 1 failed in 2.01s (0:00:02) ===`, `=== no tests ran ===`
  [
    'pytest',
    /^=+ .*\b(passed|failed|errors?|warnings?|skipped|deselected|xfailed|xpassed|no tests ran)\b.*=+$/,
  ],
  ['pytest', /^=+ .* in \d+(\.\d+)?s\b.*=+$/],
  ['go test', /^(ok|FAIL|\?)\s+\S+\s+(\d+(\.\d+)?s|\(cached\)|\[no test files\])/],
  ['go test', /^(PASS|FAIL)$/],
  ['gotestsum', /^DONE \d+ tests?/],
  ['cargo test', /^test result: (ok|FAILED)\. \d+ passed; \d+ failed/],
  ['nextest', /^\s*Summary \[\s*[\d.]+s\] \d+ tests? run/],
  ['node --test', /^(# |ℹ )(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) \d+/],
  ['Surefire', /Tests run: \d+, Failures: \d+, Errors: \d+/],
  ['ctest', /^\d+% tests passed, \d+ tests? failed out of \d+/],
  ['prove', /^(Files=\d+, Tests=\d+|Result: (PASS|FAIL|NOTESTS)$)/],
  ['RSpec', /^\d+ examples?, \d+ failures?/],
  ['minitest', /^\d+ runs, \d+ assertions, \d+ failures, \d+ errors/],
  ['ExUnit', /^(\d+ (doctests?|properties|tests?), )+\d+ failures?/],
  ['EUnit', /^\s*(All \d+ tests passed\.|Failed: \d+\.\s+Skipped: \d+\.\s+Passed: \d+\.)/],
  ['PHPUnit', /^(OK \(\d+ tests?, \d+ assertions?\)|Tests: \d+, Assertions: \d+)/],
  ['cabal', /^\s*\d+ of \d+ test suites \(\d+ of \d+ test cases\) passed\./],
  ['OUnit', /^Ran: \d+ tests? in: [\d.]+ seconds\./],
  ['Criterion', /^\[=+\] Synthesis: Tested: \d+/],
  ['cmocka', /^\[\s*(PASSED|FAILED)\s*\] \d+ tests?/],
  ['CUnit', /^Run Summary:\s+Type\s+Total/],
  ['Check', /^\d+%: Checks: \d+, Failures: \d+, Errors: \d+/],
  [
    'swift test',
    /^(Test Suite '.*' (passed|failed) at|\s*Executed \d+ tests?, with \d+ failures?|. Test run with \d+ tests? )/,
  ],
];

/** The runner whose closing line `line` looks like, or null. ANSI colours are ignored. */
export function foreignRunner(line: string): string | null {
  const plain = line.replace(ANSI, '').replace(/\r$/, '');
  for (const [name, shape] of RUNNERS) {
    if (shape.test(plain)) {
      return name;
    }
  }
  return null;
}

/** What `filter` prints instead of a foreign closing line. */
export function replacement(runner: string): string {
  return `[ci] (a ${runner}-style summary line, kept in the stage log)`;
}

/** 1-based numbers of the lines of `output` that are another runner's closing lines. */
export function foreignLineNumbers(output: string): number[] {
  const found: number[] = [];
  output.split('\n').forEach((line, index) => {
    if (foreignRunner(line) !== null) {
      found.push(index + 1);
    }
  });
  return found;
}

const CLOSING = /^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

/**
 * The lines `check` prints for a run's whole `output`: none when it is clean; otherwise why it
 * fails (line numbers only — printing the offending text would print it again) and the run's
 * closing line with one more failure, so the plain line stays last.
 */
export function checkOutput(output: string): string[] {
  const found = foreignLineNumbers(output);
  if (found.length === 0) {
    return [];
  }
  const lines = output.replace(/\n+$/, '').split('\n');
  const last = CLOSING.exec(lines.at(-1)?.replace(ANSI, '') ?? '');
  const passed = Number(last?.[1] ?? 0);
  const failed = Number(last?.[2] ?? 0) + 1;
  const skipped = last?.[3] ? `, ${last[3]} skipped` : '';
  return [
    `[ci] FAILED: ${found.length} line(s) of the output look like another test runner's closing line ` +
      `(output lines ${found.slice(0, 20).join(', ')}); CI would read them instead of the totals. ` +
      'Route that stage through `foreignLines.ts filter`.',
    `tests: ${passed} passed, ${failed} failed${skipped}`,
  ];
}

async function filter(): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const runner = foreignRunner(line);
    process.stdout.write(`${runner === null ? line : replacement(runner)}\n`);
  }
}

async function main([mode, file]: string[]): Promise<number> {
  if (mode === 'filter') {
    await filter();
    return 0;
  }
  if (mode === 'check' && file) {
    const printed = checkOutput(fs.readFileSync(file, 'utf8'));
    printed.forEach((line) => console.log(line));
    return printed.length === 0 ? 0 : 1;
  }
  console.error('usage: foreignLines.ts filter | check FILE');
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
