import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkOutput,
  foreignLineNumbers,
  foreignRunner,
  replacement,
} from '../../../scripts/ci/foreignLines.js';

const root = path.resolve(import.meta.dirname, '../../..');
const esc = '\x1b';

// Closing lines of the runners CI reads before the plain totals line, as each prints them.
const FOREIGN: Array<[string, string]> = [
  ['pytest', '=================== 2 warnings in 17.59s ==================='],
  ['pytest', `${esc}[33m===== 3 passed, 1 failed in 2.01s (0:00:02) =====${esc}[0m`],
  ['pytest', '============================ no tests ran in 0.01s ============================'],
  ['go test', 'ok  \tgithub.com/acme/pkg\t0.123s'],
  ['go test', 'FAIL'],
  ['cargo test', 'test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out'],
  ['node --test', 'ℹ tests 24'],
  ['node --test', '# pass 24'],
  ['Surefire', '[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0'],
  ['ctest', '100% tests passed, 0 tests failed out of 7'],
  ['prove', 'Files=3, Tests=42,  1 wallclock secs'],
  ['RSpec', '12 examples, 0 failures'],
  ['minitest', '5 runs, 9 assertions, 0 failures, 0 errors, 0 skips'],
  ['PHPUnit', 'OK (5 tests, 9 assertions)'],
  ['cmocka', '[  PASSED  ] 3 test(s).'],
];

// What our own stages print: never to be mistaken for another runner's closing line.
const OURS = [
  ` ${esc}[2m      Tests ${esc}[22m ${esc}[1m${esc}[32m785 passed${esc}[39m${esc}[22m${esc}[90m (785)${esc}[39m`,
  '      Tests  3 failed | 767 passed | 2 skipped (772)',
  ' Test Files  10 passed (10)',
  '  1 passed (51.4s)',
  '  1311 generated, 1311 passed, 26 skipped',
  ' ✓ faults test/faults/load.test.ts (1 test) 37293ms',
  ' FAIL  unit test/unit/ci/foreignLines.test.ts > CI output > flags',
  '[ci] /var/tmp/batchport-ci/ci-logs/unit.log: 573 passed, 0 failed, 0 skipped',
  'tests: 2695 passed, 0 failed, 26 skipped',
  '[ci] finished in 1350 s with status 0',
  '[services] cassandra: ready in 17.9s (log: /var/tmp/batchport-ci/services/cassandra/cassandra.log)',
];

function guard(script: string): { status: number | null; lines: string[] } {
  const run = spawnSync('bash', ['scripts/ci/guardOutput.sh', 'bash', '-c', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: run.status, lines: run.stdout.trimEnd().split('\n') };
}

describe('CI output: other runners closing lines', () => {
  it.each(FOREIGN)('recognises a %s closing line', (runner, line) => {
    expect(foreignRunner(line)).toBe(runner);
  });

  it.each(OURS.map((line) => [line]))('leaves our own line alone: %s', (line) => {
    expect(foreignRunner(line)).toBeNull();
  });

  it('names the lines of an output that would be read instead of the totals', () => {
    const output = ['[ci] contract', FOREIGN[0]![1], 'tests: 3 passed, 0 failed'].join('\n');
    expect(foreignLineNumbers(output)).toEqual([2]);
  });

  it('check passes a clean output and fails one with a foreign line, keeping a plain line last', () => {
    expect(checkOutput(OURS.join('\n'))).toEqual([]);
    const printed = checkOutput(['x', FOREIGN[0]![1], 'tests: 3 passed, 0 failed, 2 skipped', ''].join('\n'));
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^\[ci\] FAILED: 1 line\(s\) .*\(output lines 2\)/);
    expect(printed[1]).toBe('tests: 3 passed, 1 failed, 2 skipped');
  });

  it('the filter replaces each foreign line and passes every other line through', () => {
    const input = [...OURS, FOREIGN[0]![1], FOREIGN[5]![1]].join('\n');
    const run = spawnSync('npx', ['--no-install', 'tsx', 'scripts/ci/foreignLines.ts', 'filter'], {
      cwd: root,
      input,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      ...OURS,
      replacement('pytest'),
      replacement('cargo test'),
    ]);
  });

  it('guardOutput.sh fails a run whose output holds a foreign line, and passes a clean one', () => {
    const dirty = guard(`echo one; echo '${FOREIGN[0]![1]}'; echo 'tests: 3 passed, 0 failed'`);
    expect(dirty.status).toBe(1);
    expect(dirty.lines.at(-1)).toBe('tests: 3 passed, 1 failed');

    const clean = guard(`echo one; echo 'tests: 3 passed, 0 failed'`);
    expect(clean.status).toBe(0);
    expect(clean.lines).toEqual(['one', 'tests: 3 passed, 0 failed']);

    const failing = guard(`echo 'tests: 3 passed, 1 failed'; exit 3`);
    expect(failing.status).toBe(3);
  });
});
