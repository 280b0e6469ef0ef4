import { Type } from '@sinclair/typebox';
import { MappableFieldSchema, PhoneRegionSchema, UploadResponse } from './batchSchemas.js';

/** Schemas of POST /api/batches/{id}/reprocess (issue #21: re-read a stored file). */

// Descriptions sit on the inner schemas: on a union with null they reach the generated client
// as `never | null`.
export const ReprocessBody = Type.Object(
  {
    mapping: Type.Optional(
      Type.Union([
        Type.Record(Type.String(), Type.Union([MappableFieldSchema, Type.Null()]), {
          description:
            'Column header -> contact field for the new reading; null: the header synonyms; absent: ' +
            "the batch's current mapping",
        }),
        Type.Null(),
      ]),
    ),
    phoneRegion: Type.Optional(
      Type.Union([
        Type.String({
          ...PhoneRegionSchema,
          description:
            "Region for phones without a country code; null: the deployment's; absent: the batch's",
        }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const ReprocessResponse = Type.Composite([
  UploadResponse,
  Type.Object({
    droppedFixes: Type.Integer({
      minimum: 0,
      description:
        'Fixes made to the reading being replaced: they are dropped when the new reading takes over',
    }),
  }),
]);
