import type { ContactRecord, InvalidRow } from '../../parsing/types.js';
import { decodeCursor, toPage } from './cursor.js';
import {
  REPLACE_INVALID,
  SELECT_INVALID,
  SELECT_INVALID_BY_ROW,
  recordColumnArrays,
  toInvalidRow,
  type InvalidDbRow,
} from './postgresRecordSql.js';
import { assertBatchId, assertPageLimit, lastPerRowNumber, normalizeRecord } from './recordRow.js';
import type { InvalidRowsPage, RecordsRepository } from './recordsRepository.js';

/** A named (prepared) statement of the records store, answering its rows. */
export type PgQuery = <R extends object>(name: string, text: string, values: unknown[]) => Promise<R[]>;

/** The PostgreSQL store's reads of a batch's invalid rows, and their replacement by fixed records. */
export function postgresInvalidRows({
  query,
  chunkSize,
  streamPageSize,
}: {
  query: PgQuery;
  chunkSize: number;
  streamPageSize: number;
}): Pick<
  RecordsRepository,
  'streamInvalidRows' | 'listInvalidRows' | 'findInvalidRows' | 'replaceInvalidRows'
> {
  async function* streamInvalidRows(batchId: string): AsyncIterable<InvalidRow> {
    const id = assertBatchId(batchId);
    let after = -1;
    for (;;) {
      const rows = await query<InvalidDbRow>('records_invalid_list', SELECT_INVALID, [
        id,
        after,
        streamPageSize,
      ]);
      for (const row of rows) {
        yield toInvalidRow(row);
      }
      const last = rows.at(-1);
      if (rows.length < streamPageSize || !last) {
        return;
      }
      after = last.row_number;
    }
  }

  async function listInvalidRows(
    batchId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<InvalidRowsPage> {
    const id = assertBatchId(batchId);
    const pageSize = assertPageLimit(limit);
    const after = cursor === undefined ? -1 : decodeCursor(cursor);
    const rows = await query<InvalidDbRow>('records_invalid_list', SELECT_INVALID, [id, after, pageSize + 1]);
    const page = toPage(rows.map(toInvalidRow), pageSize);
    return { rows: page.records, nextCursor: page.nextCursor };
  }

  async function findInvalidRows(batchId: string, rowNumbers: readonly number[]): Promise<InvalidRow[]> {
    const id = assertBatchId(batchId);
    if (rowNumbers.length === 0) {
      return [];
    }
    const rows = await query<InvalidDbRow>('records_invalid_find', SELECT_INVALID_BY_ROW, [
      id,
      [...rowNumbers],
    ]);
    return rows.map(toInvalidRow);
  }

  async function replaceInvalidRows(batchId: string, records: readonly ContactRecord[]): Promise<void> {
    const id = assertBatchId(batchId);
    const rows = lastPerRowNumber(records.map(normalizeRecord));
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      await query('records_replace_invalid', REPLACE_INVALID, [
        id,
        ...recordColumnArrays(chunk),
        chunk.map((r) => r.rowNumber),
      ]);
    }
  }

  return { streamInvalidRows, listInvalidRows, findInvalidRows, replaceInvalidRows };
}
