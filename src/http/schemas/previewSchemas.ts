import { Type } from '@sinclair/typebox';
import {
  ColumnMappingSchema,
  ContactRecordSchema,
  MappableFieldSchema,
  PhoneRegionSchema,
  TextEncodingSchema,
} from './batchSchemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** One previewed row: its number, the record as the records API would answer it, its issues. */
const PreviewRow = Type.Object({
  row: Type.Integer({ minimum: 1, description: 'Data row (after the header) or card number' }),
  record: ContactRecordSchema,
  issues: Type.Array(Type.String(), {
    description:
      "The record's issues; for a row that would be refused, why (errors.csv gives the same reason)",
  }),
});

export const PreviewResponse = Type.Object(
  {
    format: Type.Union([
      Type.Literal('csv'),
      Type.Literal('txt'),
      Type.Literal('vcf'),
      Type.Literal('xls'),
      Type.Literal('xlsx'),
    ]),
    encoding: Nullable(
      Type.String({
        description:
          'Text encoding the file was read with: detected (see docs/formats.md), or encodingOverride; ' +
          'null for XLS/XLSX',
      }),
    ),
    encodingOverride: Nullable(TextEncodingSchema),
    delimiter: Nullable(Type.String({ description: 'CSV/TXT column delimiter; null otherwise' })),
    headerRow: Nullable(
      Type.Array(Type.String(), {
        description:
          'The header row as column names: trimmed, an empty header is column_N, a repeated one gets ' +
          'a number ("Phone 2"). These are the keys a mapping uses. Null for vCard',
      }),
    ),
    mapping: Nullable(ColumnMappingSchema),
    unmappedColumns: Type.Array(Type.String(), {
      description: 'Headers mapped to no field: their values are kept in `original`',
    }),
    fields: Type.Array(MappableFieldSchema, { description: 'The fields a header can map to' }),
    phoneRegion: PhoneRegionSchema,
    records: Type.Array(PreviewRow, { maxItems: 20 }),
  },
  { description: 'What the worker would make of the file, from its first 20 rows' },
);
