import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { BatchService } from '../../services/batchService.js';
import { createRecordsExportService, type ExportFormat } from '../../services/recordsExportService.js';
import { currentUser } from '../plugins/authentication.js';
import { BatchIdParams } from '../schemas/batchSchemas.js';
import { API_ERRORS } from '../schemas/errorSchemas.js';

export interface ExportControllerOptions {
  batchService: BatchService;
}

const FORMATS: Record<
  ExportFormat,
  { operationId: string; contentType: string; summary: string; description: string }
> = {
  csv: {
    operationId: 'getRecordsCsv',
    contentType: 'text/csv',
    summary: 'All contact records of a batch as CSV (streamed)',
    description:
      'UTF-8 with BOM, CRLF, one column per contact field in schema order. Cells that a spreadsheet ' +
      'could evaluate (a formula start first or after `,` `;` tab or newline) are quoted and ' +
      "prefixed with `'`. Streamed page by page; a failure mid-stream aborts the transfer.",
  },
  vcf: {
    operationId: 'getRecordsVcf',
    contentType: 'text/vcard',
    summary: 'All contact records of a batch as vCard 4.0 (streamed)',
    description:
      'One vCard 4.0 card per record (RFC 6350: escaped text, lines folded at 75 octets, CRLF). ' +
      'Streamed page by page; a failure mid-stream aborts the transfer.',
  },
  ndjson: {
    operationId: 'getRecordsNdjson',
    contentType: 'application/x-ndjson',
    summary: 'All contact records of a batch as NDJSON (streamed)',
    description:
      'One JSON object per line (the fields of GET /records), in row order, for a consumer that ' +
      'reads a whole batch without paging. Streamed page by page with back-pressure; a failure ' +
      'mid-stream aborts the transfer.',
  },
};

/** records.csv, records.vcf and records.ndjson: the whole batch as a download, owner-only like every id route. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const exportController: FastifyPluginAsyncTypebox<ExportControllerOptions> = async (app, opts) => {
  const exports = createRecordsExportService({ batchService: opts.batchService });

  for (const [format, spec] of Object.entries(FORMATS) as Array<
    [ExportFormat, (typeof FORMATS)[ExportFormat]]
  >) {
    app.get(
      `/:id/records.${format}`,
      {
        schema: {
          operationId: spec.operationId,
          summary: spec.summary,
          description: spec.description,
          tags: ['records'],
          params: BatchIdParams,
          produces: [spec.contentType, 'application/json'],
          response: {
            200: {
              description: spec.summary,
              content: { [spec.contentType]: { schema: Type.String() } },
            },
            ...API_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        // Throws before any header is sent: 404 for someone else's batch, 503 for a store outage.
        const body = await exports.open(currentUser(request), id, format);
        // A later page failing destroys `body`; Fastify then destroys the socket (headers are
        // already out), so the chunked response never gets its final chunk and the client sees a
        // truncated transfer instead of a short file that looks complete.
        const plain: FastifyReply = reply;
        return plain
          .type(`${spec.contentType}; charset=utf-8`)
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="batch-${id}-records.${format}"`)
          .send(body);
      },
    );
  }
};
