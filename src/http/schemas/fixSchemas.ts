import { Type, type Static } from '@sinclair/typebox';
import { TEXT_FIELDS } from '../../contacts/contactSchema.js';
import { MAX_FIX_ROWS } from '../../services/fixes/fixLimits.js';
import { BatchStatusSchema, ContactRecordSchema } from './batchSchemas.js';

/** Schemas of the invalid-rows and fixes routes (issue #21). */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const InvalidRowsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page, as given' }),
    ),
  },
  { additionalProperties: false },
);

const RowNumber = Type.Integer({
  minimum: 0,
  maximum: 2_147_483_647,
  description: 'The row number in the file',
});

export const InvalidRowSchema = Type.Object({
  row: RowNumber,
  original: Type.Record(Type.String(), Type.String(), {
    description: 'The non-empty cells of the row: column header -> text',
  }),
  reason: Type.String({ description: 'Why the row is not a contact, as errors.csv says it' }),
  reasons: Type.Array(Type.String()),
  record: ContactRecordSchema,
});

export const InvalidRowsResponse = Type.Object({
  rows: Type.Array(InvalidRowSchema),
  nextCursor: Nullable(Type.String()),
});

/** The contact fields a fix may set; a value replaces what was read, null or "" clears it. */
const FieldFixesSchema = Type.Object(
  Object.fromEntries(TEXT_FIELDS.map((f) => [f, Type.Optional(Nullable(Type.String({ maxLength: 1000 })))])),
  { additionalProperties: false },
);

export const FixesBody = Type.Object(
  {
    rows: Type.Array(
      Type.Object({ row: RowNumber, record: FieldFixesSchema }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: MAX_FIX_ROWS,
      },
    ),
  },
  { additionalProperties: false },
);
export type FixesBody = Static<typeof FixesBody>;

export const FixesQuery = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({ default: false, description: 'Validate only: nothing is stored, the counts stay' }),
    ),
  },
  { additionalProperties: false },
);

export const FixResultSchema = Type.Object({
  row: RowNumber,
  status: Type.Union([Type.Literal('fixed'), Type.Literal('valid'), Type.Literal('invalid')], {
    description: 'fixed: stored as a record; valid: would be (dry run); invalid: refused, nothing stored',
  }),
  reasons: Type.Array(Type.String()),
  record: Nullable(ContactRecordSchema),
});

export const FixesResponse = Type.Object({
  dryRun: Type.Boolean(),
  fixed: Type.Integer({ description: 'Rows stored as records by this request' }),
  rejected: Type.Integer({ description: 'Rows refused, with their reasons in `rows`' }),
  rows: Type.Array(FixResultSchema),
  batch: Type.Object({
    id: Type.String(),
    status: BatchStatusSchema,
    version: Type.Integer(),
    recordsLoaded: Type.Integer(),
    invalidRows: Type.Integer(),
  }),
});
