import type { Batch } from '../../domain/batch.js';
import { ConflictError, ValidationError } from '../../errors.js';
import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { readFix, type FieldFixes, type FixOutcome, type FixSettings } from './contactFix.js';
import { MAX_FIX_ROWS } from './fixLimits.js';

/** A fix as a request carries it: fields over the stored row (JSON), or the row's corrected cells (CSV). */
export type FixInput =
  { rowNumber: number; record: FieldFixes } | { rowNumber: number; cells: Record<string, string> };

export interface FixRowResult {
  row: number;
  status: 'fixed' | 'valid' | 'invalid';
  reasons: string[];
  record: ContactRecord | null;
}

/** A fix that passed the rules: the invalid row it replaces, and the record it becomes. */
export interface AcceptedFix {
  base: InvalidRow;
  record: ContactRecord;
}

/** Refuses a request the batch cannot take (not loaded, no or too many rows, a row twice); answers its row numbers. */
export function checkFixRequest(batch: Batch, inputs: readonly FixInput[]): number[] {
  if (batch.status !== 'loaded') {
    throw new ConflictError(`rows can be fixed only in a loaded batch; this one is "${batch.status}"`);
  }
  if (inputs.length === 0 || inputs.length > MAX_FIX_ROWS) {
    throw new ValidationError(`send between 1 and ${MAX_FIX_ROWS} rows per request`);
  }
  const numbers = inputs.map((i) => i.rowNumber);
  const repeated = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (repeated !== undefined) {
    throw new ValidationError(`row ${repeated} appears more than once in the request`, {
      details: { row: repeated },
    });
  }
  return numbers;
}

function read(input: FixInput, base: InvalidRow, settings: FixSettings): FixOutcome {
  return 'cells' in input
    ? readFix(input.rowNumber, input.cells, {}, settings)
    : readFix(input.rowNumber, base.original, input.record, settings);
}

/**
 * Each fix read over the invalid row it starts from: the answer per row, and the fixes that
 * passed (a row that is not an invalid row of the batch is refused).
 */
export function readFixes(
  inputs: readonly FixInput[],
  bases: ReadonlyMap<number, InvalidRow>,
  settings: FixSettings,
  dryRun: boolean,
): { results: FixRowResult[]; accepted: AcceptedFix[] } {
  const results: FixRowResult[] = [];
  const accepted: AcceptedFix[] = [];
  for (const input of inputs) {
    const base = bases.get(input.rowNumber);
    if (!base) {
      results.push({
        row: input.rowNumber,
        status: 'invalid',
        reasons: [`row ${input.rowNumber} is not an invalid row of this batch`],
        record: null,
      });
      continue;
    }
    const outcome = read(input, base, settings);
    if (outcome.ok) {
      accepted.push({ base, record: outcome.record });
    }
    results.push({
      row: input.rowNumber,
      status: outcome.ok ? (dryRun ? 'valid' : 'fixed') : 'invalid',
      reasons: outcome.ok ? [] : outcome.reasons,
      record: outcome.record,
    });
  }
  return { results, accepted };
}

/** The batch fields a fixes answer carries. */
export function batchSummary(
  batch: Batch,
): Pick<Batch, 'id' | 'status' | 'version' | 'recordsLoaded' | 'invalidRows'> {
  return {
    id: batch.id,
    status: batch.status,
    version: batch.version,
    recordsLoaded: batch.recordsLoaded,
    invalidRows: batch.invalidRows,
  };
}
