import { describe, expect, it } from 'vitest';
import { closingLine, countStage, stageCounts } from '../../../scripts/ci/testTotals.js';

const esc = '\x1b';

describe('CI test totals', () => {
  it('reads every vitest summary in a log, through ANSI colours', () => {
    const log = [
      ` ${esc}[2m Test Files ${esc}[22m ${esc}[1m${esc}[32m49 passed${esc}[39m${esc}[22m (49)`,
      ` ${esc}[2m      Tests ${esc}[22m ${esc}[1m${esc}[32m558 passed${esc}[39m${esc}[22m${esc}[90m (558)${esc}[39m`,
      '      Tests  3 failed | 767 passed | 2 skipped (772)',
    ].join('\n');
    expect(countStage('vitest', log)).toEqual({ passed: 1325, failed: 3, skipped: 2 });
  });

  it("reads Playwright's summary, a flaky test counting as failed", () => {
    const log = 'Running 3 tests using 1 worker\n  1 failed\n  1 flaky\n  1 passed (51.4s)\n';
    expect(countStage('playwright', log)).toEqual({ passed: 1, failed: 2, skipped: 0 });
  });

  it("reads schemathesis's test cases and not its pytest-style footer", () => {
    const log =
      'Test cases:\n  1311 generated, 1309 passed, 2 failed, 26 skipped\n\n=== 2 warnings in 49.03s ===\n';
    expect(countStage('schemathesis', log)).toEqual({ passed: 1309, failed: 2, skipped: 26 });
  });

  it('counts a failed stage whose log names no failure as one failure', () => {
    expect(stageCounts('vitest', 1, 'Error: cannot start the stack\n')).toEqual({
      passed: 0,
      failed: 1,
      skipped: 0,
    });
    expect(stageCounts('vitest', 0, '      Tests  5 passed (5)')).toEqual({
      passed: 5,
      failed: 0,
      skipped: 0,
    });
    expect(stageCounts('check', 0, '')).toEqual({ passed: 1, failed: 0, skipped: 0 });
    expect(stageCounts('check', 2, '')).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });

  it('closes on the plain line CI reads', () => {
    expect(closingLine({ passed: 10, failed: 0, skipped: 0 })).toBe('tests: 10 passed, 0 failed');
    expect(closingLine({ passed: 10, failed: 1, skipped: 3 })).toBe('tests: 10 passed, 1 failed, 3 skipped');
  });
});
