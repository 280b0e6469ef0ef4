import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FIELD_LIST, type FieldKind } from '../../contacts/contactSchema.js';
import { BATCH_STATUSES } from '../../domain/batch.js';

/**
 * Request/response schemas for the batch routes. Fastify validates every input against them
 * (bad input -> 400 with details) and serialises outputs through them (no stray fields leak);
 * @fastify/swagger turns them into /openapi.json. Each field is written once and composed.
 */
/**
 * The pattern as well as the format: Ajv's `uuid` format also accepts `urn:uuid:<uuid>`, which
 * PostgreSQL's uuid type refuses (a 500 on every id route before the pattern).
 */
const BatchId = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'Batch id (UUID)',
});

export const BatchIdParams = Type.Object({ id: BatchId });

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
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page, as given' }),
    ),
  },
  { additionalProperties: false },
);

export const UploadResponse = Type.Object({
  id: BatchId,
  status: BatchStatusSchema,
  message: Type.String(),
});

/** Where processing stands: shared by the status answer and the batch details. */
const progressFields = {
  errorMessage: Type.Optional(Type.String()),
  rowsRead: Type.Integer(),
  recordsLoaded: Type.Integer(),
  invalidRows: Type.Integer(),
};

export const StatusResponse = Type.Object({
  id: BatchId,
  status: BatchStatusSchema,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  ...progressFields,
});

const summaryFields = {
  id: BatchId,
  fileName: Type.String(),
  fileSize: Type.Integer(),
  status: BatchStatusSchema,
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

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** The JSON form of each contact field kind (the fields themselves come from the contact schema). */
const KIND_SCHEMAS = {
  rowNumber: () => Type.Integer(),
  text: () => Nullable(Type.String()),
  columns: () => Type.Record(Type.String(), Type.String()),
  issues: () => Type.Array(Type.String()),
} satisfies Record<FieldKind, () => TSchema>;

/** One record as the API answers it, derived from `CONTACT_FIELDS` so a new field needs no edit here. */
export const ContactRecordSchema = Type.Object(
  Object.fromEntries(FIELD_LIST.map(({ name, spec }) => [name, KIND_SCHEMAS[spec.kind]()])),
);

export const RecordsResponse = Type.Object({
  records: Type.Array(ContactRecordSchema),
  nextCursor: Nullable(Type.String()),
});
