import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FIELD_LIST, type FieldKind } from '../../contacts/contactSchema.js';
import { BATCH_STATUSES } from '../../domain/batch.js';

/**
 * Request/response schemas for the batch routes. Fastify validates every input against them
 * (bad input -> 400 with details) and serialises outputs through them (no stray fields leak);
 * @fastify/swagger turns them into /openapi.json. Each field is written once and composed.
 */
const BatchId = Type.String({ format: 'uuid', description: 'Batch id (UUID)' });

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

export const ListQuery = Type.Object(
  {
    status: Type.Optional(BatchStatusSchema),
    page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const RecentQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) },
  { additionalProperties: false },
);

export const RecordsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
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
