import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  assertSafeKey,
  buildStorageKey,
  sanitizeEmailSegment,
  sanitizeFilename,
  userStoragePrefix,
} from '../../../src/storage/storageKey.js';

const ID = '3f2b8c1e-9d4a-4b7e-8f00-123456789abc';

describe('storage keys', () => {
  it('builds batches/{email}-{hash8}/{batchId}-{filename}', () => {
    // 8 hex digits of sha256("Ada@Example.com"): the exact email, case included.
    expect(buildStorageKey('Ada@Example.com', ID, 'Contacts 2024.csv')).toBe(
      `batches/ada@example.com-1aa1bf07/${ID}-Contacts 2024.csv`,
    );
  });

  it('gives users whose emails sanitise alike different folders', () => {
    const lookAlikes = ['a/b@example.com', 'a_b@example.com', 'a\\b@example.com', 'A_B@example.com'];
    expect(new Set(lookAlikes.map(sanitizeEmailSegment)).size).toBe(1);
    const prefixes = lookAlikes.map(userStoragePrefix);
    expect(new Set(prefixes).size).toBe(lookAlikes.length);
    for (const prefix of prefixes) {
      expect(prefix).toMatch(/^batches\/a_b@example\.com-[0-9a-f]{8}\/$/);
      expect(buildStorageKey(lookAlikes[prefixes.indexOf(prefix)] ?? '', ID, 'x.csv')).toBe(
        `${prefix}${ID}-x.csv`,
      );
    }
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['/etc/shadow.csv', 'shadow.csv'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['a\u0000b.csv', 'ab.csv'],
    ['.hidden.csv', 'hidden.csv'],
    ['..', 'upload'],
    ['', 'upload'],
    ['ｆｕｌｌ／ｗｉｄｔｈ．csv', 'width.csv'],
    ['weird;|&$`name.csv', 'weird_____name.csv'],
    ['Müller.csv', 'M_ller.csv'],
  ])('sanitises the filename %j to %j', (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });

  it('caps long names but keeps the extension', () => {
    const name = sanitizeFilename(`${'x'.repeat(500)}.xlsx`);
    expect(name.length).toBe(120);
    expect(name.endsWith('.xlsx')).toBe(true);
  });

  it.each([
    ['../../evil@example.com', '____evil@example.com'],
    ['a/b@example.com', 'a_b@example.com'],
  ])('sanitises the email %j to %j', (input, expected) => {
    expect(sanitizeEmailSegment(input)).toBe(expected);
  });

  it.each(['..', ''])('refuses the email %j, which leaves no folder name', (input) => {
    expect(() => sanitizeEmailSegment(input)).toThrow(ValidationError);
  });

  it('refuses batch ids that are not UUIDs', () => {
    expect(() => buildStorageKey('a@b.co', '../x', 'a.csv')).toThrow(ValidationError);
  });

  it.each(['batches/../x', 'other/a/b', 'batches/a//b', 'batches/a/./b', 'batches\\a', 'batches/a/b\0'])(
    'assertSafeKey rejects %j',
    (key) => {
      expect(() => assertSafeKey(key)).toThrow(ValidationError);
    },
  );

  it('never lets any email or filename escape the user prefix (property)', () => {
    let accepted = 0;
    const runs = 2000;
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 300 }), (email, filename) => {
        let key: string;
        try {
          key = buildStorageKey(email, ID, filename);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        accepted += 1;
        assertSafeKey(key);
        const parts = key.split('/');
        expect(parts).toHaveLength(3);
        expect(parts[0]).toBe('batches');
        expect(parts[2]!.startsWith(`${ID}-`)).toBe(true);
        expect(parts.some((p) => p === '..' || p === '.' || p === '')).toBe(false);
      }),
      { numRuns: runs, seed: 18 },
    );
    // The checks above run only on accepted keys: a builder refusing everything must not pass.
    expect(accepted).toBeGreaterThan(runs / 2);
  });
});
