import { READING_CURSOR_PATTERN } from '../../services/readingCursor.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FIELD_LIST, type FieldKind, type FieldSpec } from '../../contacts/contactSchema.js';
import { MAPPABLE_FIELDS, type MappableField } from '../../parsing/headers/fields.js';
import { BATCH_STATUSES } from '../../domain/batch.js';
import { TEXT_ENCODINGS, type TextEncoding } from '../../parsing/text/encodings.js';

/**
 * Request/response schemas for the batch routes. Fastify validates every input against them
 * (bad input -> 400 with details) and serialises outputs through them (no stray fields leak);
 * @fastify/swagger turns them into /openapi.json. Each field is written once and composed.
 */
/**
 * The pattern as well as the format: Ajv's `uuid` format also accepts `urn:uuid:<uuid>`, which
 * PostgreSQL's uuid type refuses (a 500 on every id route before the pattern).
 */
export const BatchId = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'Batch id (UUID)',
});

export const BatchIdParams = Type.Object({ id: BatchId });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** A field a column can map to: the contact schema's text fields, plus middleName (completes the full name). */
export const MappableFieldSchema = Type.Unsafe<MappableField>({
  type: 'string',
  enum: [...MAPPABLE_FIELDS],
  description: 'A contact field a column can map to',
});

export const ColumnMappingSchema = Type.Record(Type.String(), Nullable(MappableFieldSchema), {
  description:
    'Column header (as the preview lists it) -> contact field, or null: not a contact field (its ' +
    'values are kept in `original`)',
});

export const PhoneRegionSchema = Type.String({
  pattern: '^[A-Z]{2}$',
  description: 'ISO 3166-1 alpha-2 region for phone numbers written without a country code',
});

export const TextEncodingSchema = Type.Unsafe<TextEncoding>({
  type: 'string',
  enum: [...TEXT_ENCODINGS],
  description: 'A CSV/TXT text encoding the uploader chose instead of detection',
});

export const BatchStatusSchema = Type.Union(
  [
    Type.Literal('uploaded'),
    Type.Literal('parsing'),
    Type.Literal('parsed'),
    Type.Literal('loaded'),
    Type.Literal('error'),
  ],
  { description: 'uploaded -> parsing -> parsed -> loaded, or error' },
);
// Keep the schema and the domain list in step.
const _statusCheck: (typeof BATCH_STATUSES)[number] extends Static<typeof BatchStatusSchema> ? true : never =
  true;
void _statusCheck;

/*
 * Query parameters with a default are Optional so the document marks them not required; Ajv's
 * useDefaults still fills them in before the handler runs. The types cannot know that, so the
 * handlers fall back to the same DEFAULTS.
 */
export const DEFAULTS = { page: 1, listLimit: 20, recentLimit: 10, recordsLimit: 100 } as const;

export const ListQuery = Type.Object(
  {
    status: Type.Optional(BatchStatusSchema),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: DEFAULTS.page })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULTS.listLimit })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const RecentQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: DEFAULTS.recentLimit })) },
  { additionalProperties: false },
);

export const RecordsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULTS.recordsLimit })),
    cursor: Type.Optional(
      Type.String({
        pattern: READING_CURSOR_PATTERN,
        description:
          'nextCursor of the previous page, as given (6 characters of base64url, then `.N` once the ' +
          'batch was re-read); a cursor from before a re-read is a 409: start again from the first page',
      }),
    ),
    known: Type.Optional(
      Type.Boolean({
        description:
          'false: only contacts never loaded in an earlier batch of the user; true: only those that ' +
          'were. A filtered page may hold fewer than limit records (even none) while nextCursor is ' +
          'not null: follow nextCursor until it is null',
      }),
    ),
  },
  { additionalProperties: false },
);

const BatchVersion = Type.Integer({
  minimum: 1,
  description:
    'Bumped by every change of the batch: of two answers or live events about one batch, the one ' +
    'with the higher version is newer, whatever order they arrived in',
});

/**
 * Where the mapping a batch (or a preview) is read with came from (issue #21). A string enum, like
 * the other enums here: a union of literals wrapped in `Nullable` reaches the generated client as
 * `never | null`.
 */
export const MappingSourceSchema = Type.Unsafe<'request' | 'saved' | 'synonyms'>(
  Type.String({
    enum: ['request', 'saved', 'synonyms'],
    description:
      'request: the `mapping` sent; saved: a remembered mapping whose header row matched (GET ' +
      '/api/mappings); synonyms: the header synonyms. Null for vCards',
  }),
);

export const UploadResponse = Type.Object({
  id: BatchId,
  status: BatchStatusSchema,
  version: BatchVersion,
  message: Type.String(),
});

/** Where processing stands: shared by the status answer and the batch details. */
const progressFields = {
  errorMessage: Type.Optional(Type.String()),
  rowsRead: Type.Integer(),
  recordsLoaded: Type.Integer(),
  invalidRows: Type.Integer(),
  knownContacts: Type.Integer({
    minimum: 0,
    description:
      'Records whose e-mail or phone was already loaded in an earlier batch of the same user ' +
      '(their seenIn is set); counted when the batch becomes loaded',
  }),
};

export const StatusResponse = Type.Object({
  id: BatchId,
  status: BatchStatusSchema,
  version: BatchVersion,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  ...progressFields,
});

const summaryFields = {
  id: BatchId,
  fileName: Type.String(),
  fileSize: Type.Integer(),
  status: BatchStatusSchema,
  version: BatchVersion,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

export const BatchSummary = Type.Object(summaryFields);

export const BatchDetails = Type.Intersect([
  BatchSummary,
  Type.Object({
    fileFormat: Type.String(),
    progress: Type.Integer(),
    sha256: Type.String(),
    mapping: Nullable(ColumnMappingSchema),
    mappingSource: Nullable(MappingSourceSchema),
    phoneRegion: Nullable(PhoneRegionSchema),
    encoding: Nullable(
      Type.String({
        description:
          'The text encoding the worker decoded the file with (detected, or encodingOverride); null ' +
          'until the file is parsed, and for XLS/XLSX',
      }),
    ),
    encodingOverride: Nullable(TextEncodingSchema),
    ...progressFields,
  }),
]);

export const ListResponse = Type.Object({
  batches: Type.Array(BatchDetails),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

export const StatsResponse = Type.Object({
  total: Type.Integer(),
  ...Object.fromEntries(BATCH_STATUSES.map((status) => [status, Type.Integer()])),
});

/** The JSON form of each contact field kind (the fields themselves come from the contact schema). */
const KIND_SCHEMAS = {
  rowNumber: () => Type.Integer(),
  text: (spec: FieldSpec) =>
    Nullable(Type.String(spec.pattern === undefined ? {} : { pattern: spec.pattern })),
  columns: () => Type.Record(Type.String(), Type.String()),
  issues: () => Type.Array(Type.String()),
} satisfies Record<FieldKind, (spec: FieldSpec) => TSchema>;

/** One record as the API answers it, derived from `CONTACT_FIELDS` so a new field needs no edit here. */
export const ContactRecordSchema = Type.Object(
  Object.fromEntries(FIELD_LIST.map(({ name, spec }) => [name, KIND_SCHEMAS[spec.kind](spec)])),
);

/** Where a record's contact was first loaded in an earlier batch of the same user (issue #21). */
const SeenInSchema = Nullable(
  Type.Object(
    { batchId: BatchId, row: Type.Integer({ minimum: 0 }) },
    {
      description:
        'The earlier batch and row where this e-mail or phone was first loaded; null: never before',
    },
  ),
);

export const RecordsResponse = Type.Object({
  records: Type.Array(Type.Object({ ...ContactRecordSchema.properties, seenIn: SeenInSchema })),
  nextCursor: Nullable(Type.String()),
});
