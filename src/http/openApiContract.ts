/**
 * What the route schemas cannot say and @fastify/swagger cannot derive: the multipart request
 * body of the upload and the preview, response headers, and the links a client (or schemathesis's stateful
 * phase) follows from an upload to its status, records, errors and deletion. Applied to the
 * generated document once, keyed by operationId, so the routes stay plain Fastify schemas.
 */

import { MAPPABLE_FIELDS } from '../parsing/headers/fields.js';
import { TEXT_ENCODINGS } from '../parsing/text/encodings.js';
import { RETRY_MS } from '../events/sseStream.js';
import {
  MAX_MAPPING_ENTRIES,
  MAX_MAPPING_HEADER_CHARS,
  SUPPORTED_PHONE_REGIONS,
} from '../validators/uploadOptions.js';
import { SSE_EVENT_SCHEMAS } from './schemas/eventSchemas.js';

interface Operation {
  operationId?: string;
  requestBody?: unknown;
  responses?: Record<
    string,
    { headers?: Record<string, unknown>; links?: Record<string, unknown>; content?: Record<string, unknown> }
  >;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
}

/** The content types a part may declare when its file name has no extension (see uploadValidators). */
export const UPLOAD_PART_TYPES = [
  'text/csv',
  'text/plain',
  'text/vcard',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
] as const;

export const UPLOAD_EXAMPLE_CSV = 'Name,Email,Phone\nAda Lovelace,ada@example.com,+44 20 7946 0000\n';

/** The option fields, in the order they must be sent: before the file. */
const OPTION_PROPERTIES = {
  phoneRegion: {
    type: 'string',
    // Exactly the regions with a numbering plan (libphonenumber-js), upper or lower case: a
    // two-letter code outside the list (AA) is a 400, so the pattern that allowed it was wrong.
    enum: [...SUPPORTED_PHONE_REGIONS, ...SUPPORTED_PHONE_REGIONS.map((r) => r.toLowerCase())],
    description:
      'ISO 3166-1 alpha-2 region with a phone numbering plan (upper or lower case; stored upper ' +
      'case) for phone numbers written without a country code, instead of the deployment default. ' +
      'A row whose country column names a region uses that region.',
  },
  mapping: {
    type: 'object',
    maxProperties: MAX_MAPPING_ENTRIES,
    additionalProperties: { enum: [...MAPPABLE_FIELDS, null] },
    description:
      'JSON object: column header (as the preview lists it in headerRow, ' +
      `1-${MAX_MAPPING_HEADER_CHARS} characters) -> contact field, or null ` +
      'to ignore the column. Used instead of the header synonyms; headers it does not name are ' +
      'unmapped (kept in `original`). Each field from one header at most. Not for vCard files.',
  },
  encoding: {
    type: 'string',
    enum: [...TEXT_ENCODINGS],
    description:
      'CSV/TXT only: the text encoding to read the file in, instead of detecting it (any case). ' +
      'The preview shows the encoding detected; send this when it is wrong. Not for vCard, XLS or ' +
      'XLSX files (400). See docs/formats.md for what each encoding is and when it is detected.',
  },
  rememberMapping: {
    type: 'string',
    enum: ['true', 'false'],
    description:
      'Whether the `mapping` sent is remembered for later files with the same header row (the ' +
      'same set of column names, any order, case and spacing ignored): GET /api/mappings. ' +
      'Default: "true" for an upload, "false" for a preview (a preview stores nothing unless asked).',
  },
};

const UPLOAD_BODY = {
  required: true,
  description:
    'multipart/form-data: the optional fields phoneRegion, mapping, encoding and rememberMapping FIRST, then the file. The file ' +
    'is read while it arrives, so a field after it is a 400.',
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        additionalProperties: false,
        properties: {
          ...OPTION_PROPERTIES,
          file: {
            type: 'string',
            format: 'binary',
            description:
              'The contact file. Its format comes from the file name extension (.csv .txt .vcf .xls ' +
              '.xlsx), or, for a name without one, from the part Content-Type.',
          },
        },
      },
      encoding: {
        mapping: { contentType: 'application/json' },
        file: { contentType: UPLOAD_PART_TYPES.join(', ') },
      },
      example: { file: UPLOAD_EXAMPLE_CSV },
    },
  },
};

/**
 * The event stream's body. OpenAPI 3.0 cannot type the frames of a text/event-stream, so the body
 * is a string whose form is described, and `x-sse-events` gives the JSON schema of each event's
 * data (inline: a component referenced only from an extension counts as unused).
 */
const EVENT_STREAM_SCHEMA = {
  type: 'string',
  description:
    `UTF-8 text/event-stream: first \`retry: ${RETRY_MS}\`, then blocks separated by a blank line: ` +
    '`: ping` comments, and events of lines `id: <entry id>` (absent on reset), `event: <name>` and ' +
    '`data: <JSON on one line>`, whose JSON follows the schema `x-sse-events` names for the event.',
  // JSON round trip: plain schema objects (TypeBox marks its schemas with symbol keys).
  'x-sse-events': JSON.parse(JSON.stringify(SSE_EVENT_SCHEMAS)) as Record<string, unknown>,
};

const header = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({
  description,
  schema,
});

const REQUEST_ID = header('Id of this request, as logged; echoes a sane X-Request-Id sent by the caller');

/** Headers by status code, on every operation that declares that code. */
const HEADERS_BY_STATUS: Record<string, Record<string, unknown>> = {
  '401': { 'WWW-Authenticate': header('Bearer challenge (RFC 6750)') },
  '429': { 'Retry-After': header('Seconds to wait before retrying', { type: 'integer', minimum: 0 }) },
  '503': { 'Retry-After': header('Seconds to wait before retrying', { type: 'integer', minimum: 0 }) },
};

const UPLOAD_CREATED_HEADERS = {
  Location: header('Path of the batch, /api/batches/{id}'),
  'Idempotent-Replayed': header('Present (true) when the Idempotency-Key was used before', {
    type: 'string',
    enum: ['true'],
  }),
};

const byId = (operationId: string, description: string) => ({
  operationId,
  description,
  parameters: { id: '$response.body#/id' },
});

/** upload -> status -> records -> errors -> delete, and the same from any answer naming a batch. */
const BATCH_LINKS = {
  GetBatch: byId('getBatch', 'The batch with its counts'),
  GetBatchStatus: byId('getBatchStatus', 'Follow processing until loaded or error'),
  ListRecords: byId('listRecords', 'The contact records of the batch'),
  GetErrorsCsv: byId('getErrorsCsv', 'The rows that could not become contacts'),
  ListInvalidRows: byId('listInvalidRows', 'The rows that could not become contacts, to fix them'),
  RetryBatch: byId('retryBatch', 'Re-queue the batch if it ended in error'),
  PreviewStoredBatch: byId('previewStoredBatch', 'Preview the stored file read with another mapping'),
  DeleteBatch: byId('deleteBatch', 'Delete the batch and everything it produced'),
};

/** Operation id -> status code -> links, for the answers whose body carries a batch id. */
const LINKS: Record<string, Record<string, Record<string, unknown>>> = {
  uploadBatch: { '201': BATCH_LINKS },
  getBatchStatus: { '200': BATCH_LINKS },
  retryBatch: { '200': BATCH_LINKS },
  reprocessBatch: { '202': BATCH_LINKS },
};

function completeOperation(op: Operation): void {
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    response.headers = { 'X-Request-Id': REQUEST_ID, ...HEADERS_BY_STATUS[status], ...response.headers };
    const links = op.operationId === undefined ? undefined : LINKS[op.operationId]?.[status];
    if (links) {
      response.links = links;
    }
  }
  if (op.operationId === 'streamBatchEvents') {
    const ok = op.responses?.['200'];
    if (ok) {
      ok.content = { 'text/event-stream': { schema: EVENT_STREAM_SCHEMA } };
    }
  }
  if (op.operationId === 'fixInvalidRows') {
    addFixesCsvBody(op);
  }
  if (op.operationId === 'previewBatch') {
    op.requestBody = UPLOAD_BODY;
  }
  if (op.operationId === 'uploadBatch') {
    op.requestBody = UPLOAD_BODY;
    const created = op.responses?.['201'];
    if (created) {
      created.headers = { ...created.headers, ...UPLOAD_CREATED_HEADERS };
    }
  }
}

/** POST /fixes also takes a corrected errors.csv (the route schema can only validate the JSON form). */
function addFixesCsvBody(op: Operation): void {
  const body = (op.requestBody ?? {}) as { content?: Record<string, unknown> };
  op.requestBody = {
    ...body,
    content: {
      ...body.content,
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          additionalProperties: false,
          properties: {
            file: {
              type: 'string',
              format: 'binary',
              description:
                'errors.csv of the batch with its cells corrected (row, reason, the columns, other ' +
                'columns); at most 1,000 rows and 4 MiB',
            },
          },
        },
        encoding: { file: { contentType: 'text/csv' } },
      },
    },
  };
}

export function completeDocument<T extends OpenApiDocument>(doc: T): T {
  for (const pathItem of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(pathItem)) {
      completeOperation(op);
    }
  }
  return doc;
}
