import { Type } from '@sinclair/typebox';
import { ColumnMappingSchema, PhoneRegionSchema, UploadResponse } from './batchSchemas.js';

/** Schemas of POST /api/batches/{id}/reprocess (issue #21: re-read a stored file). */

export const ReprocessBody = Type.Object(
  {
    mapping: Type.Optional(
      Type.Union([ColumnMappingSchema, Type.Null()], {
        description:
          'Column header -> contact field for the new reading; null: the header synonyms; absent: ' +
          "the batch's current mapping",
      }),
    ),
    phoneRegion: Type.Optional(
      Type.Union([PhoneRegionSchema, Type.Null()], {
        description: "Region for phones without a country code; null: the deployment's; absent: the batch's",
      }),
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
