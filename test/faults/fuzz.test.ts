import fc from 'fast-check';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { assertSafeKey, buildStorageKey, STORAGE_ROOT_PREFIX } from '../../src/storage/storageKey.js';
import { storedFileExists } from '../support/storedFile.js';
import { startStack, tokenFor, uploadForm, type TestStack } from '../support/testStack.js';

/** Strings biased towards what escapes folders: separators, dots, NUL, look-alikes, long runs. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        '..',
        '.',
        '/',
        '\\',
        '%2e%2e',
        '%2f',
        '\0',
        '\u2215', // division slash
        '\uFF0F', // fullwidth solidus
        '\uFF0E', // fullwidth full stop
        '\u202E', // right-to-left override
        ' ',
        '~',
        ':',
        'C:',
        'etc',
        'passwd',
        '.csv',
        'a'.repeat(300),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);

function checkKey(key: string, batchId: string): void {
  assertSafeKey(key);
  expect(key.startsWith(STORAGE_ROOT_PREFIX)).toBe(true);
  const parts = key.split('/');
  expect(parts).toHaveLength(3);
  expect(parts.some((p) => p === '' || p === '.' || p === '..')).toBe(false);
  expect(path.posix.normalize(key)).toBe(key);
  expect(parts[2]!.startsWith(`${batchId}-`)).toBe(true);
  const root = '/srv/storage';
  expect(path.resolve(root, key).startsWith(`${root}/batches/`)).toBe(true);
  // eslint-disable-next-line no-control-regex
  expect(key).not.toMatch(/[\u0000-\u001f\u007f\\]/);
}

/**
 * Property tests on the path from client input to a stored file: whatever the file name and
 * the email claim, the key stays `batches/{one folder}/{batchId}-{name}`, and over HTTP the
 * answer is 201 or a 4xx (never a 500) and the file lands inside the storage root.
 */
describe('fuzz: client-chosen names never leave the storage prefix', () => {
  it('buildStorageKey: any email and file name give a safe key or a ValidationError', () => {
    let built = 0;
    const runs = 5_000;
    fc.assert(
      fc.property(hostile, hostile, (email, filename) => {
        const batchId = randomUUID();
        let key: string;
        try {
          key = buildStorageKey(email, batchId, filename);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        built += 1;
        checkKey(key, batchId);
      }),
      { numRuns: runs },
    );
    // Refusing every name would satisfy the property above; most hostile names must still give
    // a (neutralised) key.
    console.log(`[faults] fuzz: ${built} of ${runs} gave a key`);
    expect(built / runs, `${built} of ${runs} gave a key`).toBeGreaterThanOrEqual(0.5);
  });

  describe('over HTTP on local storage', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startStack({ storage: 'local', records: 'postgres', worker: false });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('random file names and email claims: 201 or 4xx, files only inside the root', async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          hostile,
          fc.constantFrom('.csv', '.txt', '.CSV', '', '.csv.exe', '.csv/'),
          fc.oneof(
            hostile.map((s) => `${s}@example.com`),
            hostile,
          ),
          async (name, ext, email) => {
            const token = await tokenFor({ sub: `fuzz-${randomUUID()}`, email });
            const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
              body: uploadForm('Name,Email\nAda,ada@example.com\n', name + ext),
            });
            const body = (await res.json()) as { id?: string };
            expect([201, 400, 401]).toContain(res.status);
            if (res.status === 201) {
              accepted += 1;
              const row = await stack.batches.findById(body.id!);
              checkKey(row!.storageKey, body.id!);
              expect(await storedFileExists(stack.storage, row!.storageKey)).toBe(true);
            }
          },
        ),
        { numRuns: 200 },
      );
      // The property really exercised stored uploads, not only refusals.
      console.log(`[faults] fuzz: ${accepted} of 200 uploads accepted`);
      // About 14 % of these random uploads are valid (a usable email and extension); 12 leaves
      // room for chance while a server refusing every upload still fails.
      expect(accepted).toBeGreaterThanOrEqual(12);
      // On disk: only <root>/batches/<folder>/<file>, nothing anywhere else.
      // Besides the batches: the root's store id (src/storage/localStorage.ts), nothing else.
      expect((await readdir(stack.localDir)).sort()).toEqual(['.batchport-store-id', 'batches']);
      for (const folder of await readdir(path.join(stack.localDir, 'batches'), { withFileTypes: true })) {
        expect(folder.isDirectory()).toBe(true);
        for (const file of await readdir(path.join(stack.localDir, 'batches', folder.name), {
          withFileTypes: true,
        })) {
          expect(file.isFile()).toBe(true);
        }
      }
    });
  });
});
