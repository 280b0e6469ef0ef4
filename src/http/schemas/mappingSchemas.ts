import { Type } from '@sinclair/typebox';
import { ColumnMappingSchema } from './batchSchemas.js';

/** Request/response schemas of /api/mappings: the caller's remembered mappings (issue #21). */

export const MappingIdParams = Type.Object({
  id: Type.String({
    format: 'uuid',
    // As for batch ids: the pattern too, because Ajv's `uuid` format takes `urn:uuid:` forms.
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    description: 'Saved mapping id (UUID)',
  }),
});

export const MAPPINGS_DEFAULT_LIMIT = 20;
export const MappingsQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page, as given' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: MAPPINGS_DEFAULT_LIMIT })),
  },
  { additionalProperties: false },
);

export const SavedMappingView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  headers: Type.Array(Type.String(), {
    description:
      'The header row it was saved from, in that file’s order. A file whose header row has the same ' +
      'set of names (any order; case, Unicode form and runs of spaces ignored) is read with it',
  }),
  mapping: ColumnMappingSchema,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time', description: 'Saved or applied last' }),
});

export const SavedMappingList = Type.Object({
  mappings: Type.Array(SavedMappingView),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
