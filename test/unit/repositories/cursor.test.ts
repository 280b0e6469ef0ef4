import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from '../../../src/repositories/records/cursor.js';

/**
 * The records cursor's declared form (CURSOR_PATTERN, in the OpenAPI document) is exactly the set
 * of cursors the stores accept: a fuzzer sending any string that matches the pattern must get a
 * page, and anything else a 400 (issue #19: `cursor=0` matched the old schema and was refused).
 */
const pattern = new RegExp(CURSOR_PATTERN);

describe('records cursor', () => {
  it('accepts every string the declared pattern allows, and encodes it back identically', () => {
    fc.assert(
      fc.property(fc.stringMatching(pattern), (cursor) => {
        const row = decodeCursor(cursor);
        expect(row).toBeGreaterThanOrEqual(0);
        expect(row).toBeLessThanOrEqual(2 ** 30 - 1);
        expect(encodeCursor(row)).toBe(cursor);
      }),
      { numRuns: 2_000 },
    );
  });

  it('encodes every row number into the declared pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 - 1 }), (row) => {
        expect(encodeCursor(row)).toMatch(pattern);
        expect(decodeCursor(encodeCursor(row))).toBe(row);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses what the pattern refuses', () => {
    for (const bad of [
      '0',
      '',
      'gAAAAA',
      'AAAAAB',
      `${encodeCursor(1)}A`,
      Buffer.from('r:10').toString('base64url'),
    ]) {
      expect(bad, bad).not.toMatch(pattern);
      expect(() => decodeCursor(bad), bad).toThrow(ValidationError);
    }
  });
});
