import { Readable } from 'node:stream';
import type { User } from '../domain/batch.js';
import { recordCsvLine, recordsCsvHeaderLine } from '../parsing/csvOutput.js';
import { recordVcard } from '../parsing/vcardOutput.js';
import type { RecordsPage, StoredRecord } from '../repositories/records/recordsRepository.js';
import type { BatchService } from './batchService.js';

export type ExportFormat = 'csv' | 'vcf' | 'ndjson';

/** How each export format writes its file: an optional first line, then one piece per record. */
const WRITERS: Record<ExportFormat, { header: string; record: (r: StoredRecord) => string }> = {
  csv: { header: recordsCsvHeaderLine(), record: recordCsvLine },
  vcf: { header: '', record: recordVcard },
  // One JSON object per line, the same fields as GET /records (what a card generator streams).
  ndjson: { header: '', record: (r) => `${JSON.stringify(r)}\n` },
};

/** The records route's largest page; one page is the most the export holds in memory. */
export const EXPORT_PAGE_SIZE = 1000;

export type RecordsExportService = ReturnType<typeof createRecordsExportService>;

interface Deps {
  batchService: Pick<BatchService, 'listRecords' | 'listStoredRecords'>;
  pageSize?: number;
}

/**
 * records.csv / records.vcf / records.ndjson of a batch, streamed page by page from the records store with
 * backpressure: the next page is read only when the client has taken the previous one.
 */
export function createRecordsExportService({ batchService, pageSize = EXPORT_PAGE_SIZE }: Deps) {
  // Only NDJSON shows `seenIn` (issue #21); CSV and vCard skip the contact-index read per page.
  const pageOf = (format: ExportFormat) =>
    format === 'ndjson' ? batchService.listRecords : batchService.listStoredRecords;

  async function* chunks(user: User, id: string, first: RecordsPage, format: ExportFormat) {
    const writer = WRITERS[format];
    let page = first;
    let prefix = writer.header;
    for (;;) {
      const chunk = prefix + page.records.map(writer.record).join('');
      prefix = '';
      if (chunk !== '') {
        yield chunk;
      }
      if (page.nextCursor === null) {
        return;
      }
      // Each page re-checks ownership, so a batch deleted mid-export ends the stream with an error.
      page = await pageOf(format)(user, id, { limit: pageSize, cursor: page.nextCursor });
    }
  }

  return {
    /**
     * Checks ownership and reads the first page BEFORE anything is sent, so "not yours" (404) and
     * a records-store outage (503) are still JSON answers. A failure on a later page errors the
     * returned stream; the HTTP layer then aborts the response (see exportController).
     */
    async open(user: User, id: string, format: ExportFormat): Promise<Readable> {
      const first = await pageOf(format)(user, id, { limit: pageSize });
      // Byte mode: the stream buffers ~64 KiB before pausing the generator, not 16 pages.
      return Readable.from(chunks(user, id, first, format), { objectMode: false });
    },
  };
}
