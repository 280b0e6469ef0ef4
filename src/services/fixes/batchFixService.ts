import type { Batch, User } from '../../domain/batch.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { contactKeys } from '../../contactIndex/contactKeys.js';
import type { KnownContactsService } from '../../contactIndex/knownContactsService.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import type { BatchFixRepository } from '../../repositories/batchFixRepository.js';
import type { BatchRepository } from '../../repositories/batchRepository.js';
import type { RecordsRepository } from '../../repositories/records/recordsRepository.js';
import { readingCursor, storeCursor } from '../readingCursor.js';
import { readInvalidRow, type FixSettings } from './contactFix.js';
import { batchSummary, checkFixRequest, readFixes, type FixInput, type FixRowResult } from './fixRows.js';

export type BatchFixService = ReturnType<typeof createBatchFixService>;

interface Deps {
  batchRepository: Pick<BatchRepository, 'findForUser' | 'findById'>;
  fixes: BatchFixRepository;
  records: Pick<
    RecordsRepository,
    'listInvalidRows' | 'findInvalidRows' | 'replaceInvalidRows' | 'deleteBatch'
  >;
  /** The cross-batch contact index: a fixed row's contact is indexed and counted like a loaded one's. */
  knownContacts: Pick<KnownContactsService, 'indexFixes'>;
  /** The deployment's region for phones without a country code (the worker's default). */
  defaultPhoneRegion: string;
}

export type { FixInput, FixRowResult } from './fixRows.js';

export interface FixesAnswer {
  dryRun: boolean;
  fixed: number;
  rejected: number;
  rows: FixRowResult[];
  batch: Pick<Batch, 'id' | 'status' | 'version' | 'recordsLoaded' | 'invalidRows'>;
}

/**
 * Fixing the invalid rows of a loaded batch (issue #21): the rows to fix, and fixes read with the
 * worker's own normaliser. A valid fix becomes the record of its original row number; an invalid
 * one is answered with its reasons and nothing of it is stored.
 */
export function createBatchFixService(deps: Deps) {
  const { batchRepository, fixes, records, knownContacts, defaultPhoneRegion } = deps;
  async function owned(user: User, id: string): Promise<Batch> {
    const batch = await batchRepository.findForUser(id, user.id);
    if (!batch) {
      throw new NotFoundError('batch not found');
    }
    return batch;
  }

  const settingsOf = (batch: Batch): FixSettings => ({
    mapping: batch.mapping,
    region: batch.phoneRegion ?? defaultPhoneRegion,
  });

  /** The invalid row each fix starts from: an earlier fix's (it is no longer listed), else the stored one. */
  async function baseRows(batch: Batch, rowNumbers: number[]): Promise<Map<number, InvalidRow>> {
    const fixed = await fixes.find(batch.id, rowNumbers);
    const byRow = new Map(fixed.map((r) => [r.rowNumber, r]));
    const rest = rowNumbers.filter((n) => !byRow.has(n));
    for (const row of await records.findInvalidRows(batch.recordsKey, rest)) {
      byRow.set(row.rowNumber, row);
    }
    return byRow;
  }

  /**
   * A delete that committed while the fix was written: its clean-up may have run before the
   * records were, so they are removed here (as the worker does for a batch deleted mid-job).
   */
  async function removeIfDeleted(batch: Batch): Promise<void> {
    if (!(await batchRepository.findById(batch.id))) {
      await records.deleteBatch(batch.recordsKey);
    }
  }

  /**
   * The fixed records into the contact index, without the sightings an earlier fix of the same
   * rows left; then each row's keys and known state are stored for the count.
   */
  async function indexFixes(
    batch: Batch,
    fixed: readonly ContactRecord[],
    keysByRow: ReadonlyMap<number, readonly string[]>,
  ): Promise<void> {
    const settled = fixed.map((r) => ({ rowNumber: r.rowNumber, keys: contactKeys(r) }));
    const stale = settled.flatMap(({ rowNumber, keys }) =>
      (keysByRow.get(rowNumber) ?? [])
        .filter((key) => !keys.includes(key))
        .map((key) => ({ key, row: rowNumber })),
    );
    const known = await knownContacts.indexFixes(batch, fixed, stale);
    await fixes.settleIndex(
      batch.id,
      settled.map((s) => ({ ...s, known: known.has(s.rowNumber) })),
    );
  }

  return {
    async listInvalidRows(user: User, id: string, options: { limit: number; cursor?: string | undefined }) {
      const batch = await owned(user, id);
      // The reading readers see (issue #21); a cursor of an earlier reading is a 409.
      const page = await records.listInvalidRows(batch.recordsKey, {
        limit: options.limit,
        cursor: storeCursor(options.cursor, batch.reading),
      });
      const settings = settingsOf(batch);
      return {
        rows: page.rows.map((row) => ({
          row: row.rowNumber,
          original: row.original,
          reason: row.reason,
          ...readInvalidRow(row, settings),
        })),
        nextCursor: readingCursor(page.nextCursor, batch.reading),
      };
    },

    async applyFixes(user: User, id: string, inputs: FixInput[], dryRun: boolean): Promise<FixesAnswer> {
      const batch = await owned(user, id);
      const numbers = checkFixRequest(batch, inputs);
      const bases = await baseRows(batch, numbers);
      const settings = settingsOf(batch);
      const { results, accepted } = readFixes(inputs, bases, settings, dryRun);
      let after = batch;
      if (!dryRun && accepted.length > 0) {
        // Idempotent steps (see BatchFixRepository): sent again after a failure anywhere, the
        // fix completes and its counts move exactly once.
        const fixedRecords = accepted.map((a) => a.record);
        const keysByRow = await fixes.remember(
          id,
          accepted.map((a) => ({ base: a.base, keys: contactKeys(a.record) })),
        );
        await records.replaceInvalidRows(batch.recordsKey, fixedRecords);
        await indexFixes(batch, fixedRecords, keysByRow);
        if (!(await fixes.countFixes(id))) {
          await removeIfDeleted(batch);
          throw new ConflictError(
            'the batch changed while the fixes were stored (re-read or deleted); nothing was counted',
          );
        }
        after = await owned(user, id);
      }
      const fixed = dryRun ? 0 : accepted.length;
      return {
        dryRun,
        fixed,
        rejected: results.length - accepted.length,
        rows: results,
        batch: batchSummary(after),
      };
    },
  };
}
