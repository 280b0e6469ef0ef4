import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.js';
import type { BatchFixService, FixInput } from '../../services/fixes/batchFixService.js';
import { readFixesCsv } from '../../services/fixes/fixesCsv.js';
import { MAX_FIX_CSV_BYTES } from '../../services/fixes/fixLimits.js';
import { currentUser } from '../plugins/authentication.js';
import { requireMultipart } from './uploadController.js';
import { BatchIdParams } from '../schemas/batchSchemas.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';
import {
  FixesBody,
  FixesQuery,
  FixesResponse,
  InvalidRowsQuery,
  InvalidRowsResponse,
} from '../schemas/fixSchemas.js';

export interface FixesControllerOptions {
  batchFixService: BatchFixService;
}

/** The fixes as JSON (validated by the route schema) or as a corrected errors.csv (multipart `file`). */
async function fixInputs(request: FastifyRequest): Promise<FixInput[]> {
  if (request.isMultipart()) {
    requireMultipart(request); // a boundary, or 400 (busboy's "Boundary not found" was a 500)
    const part = await request.file({ limits: { fileSize: MAX_FIX_CSV_BYTES + 1, files: 1 } });
    if (part?.fieldname !== 'file') {
      throw new ValidationError('send the corrected errors.csv in the multipart field "file"');
    }
    return readFixesCsv(part.file);
  }
  if (request.body === undefined || typeof request.body !== 'object' || request.body === null) {
    throw new ValidationError(
      'send the fixes as JSON ({"rows": [...]}) or a corrected errors.csv (multipart)',
    );
  }
  return (request.body as FixesBody).rows.map((r) => ({ rowNumber: r.row, record: r.record }));
}

/** The invalid rows of a batch, paged, and fixes to them (issue #21). Thin handlers. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const fixesController: FastifyPluginAsyncTypebox<FixesControllerOptions> = async (app, opts) => {
  const { batchFixService } = opts;

  app.get(
    '/:id/invalid-rows',
    {
      schema: {
        operationId: 'listInvalidRows',
        summary: 'Rows that could not become contacts: cells, reasons and the record as far as read',
        tags: ['records'],
        params: BatchIdParams,
        querystring: InvalidRowsQuery,
        // 409: a cursor of a reading the batch no longer shows (re-read).
        response: { 200: InvalidRowsResponse, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request) => {
      const { limit = 100, cursor } = request.query;
      return batchFixService.listInvalidRows(currentUser(request), request.params.id, { limit, cursor });
    },
  );

  app.post(
    '/:id/fixes',
    {
      schema: {
        operationId: 'fixInvalidRows',
        summary: 'Fix invalid rows of a loaded batch (JSON, or a corrected errors.csv as multipart "file")',
        description:
          'Each fix is read with the same normaliser and rules as the upload. Valid fixes become records ' +
          'under their row number and the counts move; invalid ones are answered with their reasons and ' +
          'nothing of them is stored. Fixing a row again replaces the first fix. dryRun=true stores nothing.',
        tags: ['records'],
        params: BatchIdParams,
        querystring: FixesQuery,
        // Per content type: JSON is validated here; a multipart body is read by the handler.
        body: { content: { 'application/json': { schema: FixesBody } } },
        response: { 200: FixesResponse, 409: ErrorResponse, 413: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request) => {
      const inputs = await fixInputs(request);
      return batchFixService.applyFixes(
        currentUser(request),
        request.params.id,
        inputs,
        request.query.dryRun ?? false,
      );
    },
  );
};
