import { Type } from '@sinclair/typebox';
import {
  ColumnMappingSchema,
  MappingSourceSchema,
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

const RegionInferenceSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('inferred'), Type.Literal('conflict'), Type.Literal('none')], {
      description:
        'inferred: numbers without a country code are read in `region`; conflict: the evidence ' +
        'names several countries, so such numbers get no phone and an issue; none: too little ' +
        'evidence, the phoneRegion above (the deployment default) is used',
    }),
    region: Nullable(PhoneRegionSchema),
    evidence: Type.Array(
      Type.Object({
        region: Type.String({ description: 'ISO 3166-1 alpha-2' }),
        phones: Type.Integer({ description: 'rows whose phone is written with this country code' }),
        countries: Type.Integer({ description: 'rows whose country cell names this region' }),
        emails: Type.Integer({ description: 'rows whose e-mail is under this country domain' }),
      }),
    ),
  },
  {
    description:
      "The file's own region, from its first 200 rows, when no phoneRegion was sent; null when one was",
  },
);

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
    mappingSource: Nullable(MappingSourceSchema),
    savedMappingId: Nullable(
      Type.String({
        format: 'uuid',
        description:
          'The saved mapping used (mappingSource "saved"), or the one this preview saved ' +
          '(rememberMapping=true); null otherwise',
      }),
    ),
    unmappedColumns: Type.Array(Type.String(), {
      description: 'Headers mapped to no field: their values are kept in `original`',
    }),
    fields: Type.Array(MappableFieldSchema, { description: 'The fields a header can map to' }),
    phoneRegion: PhoneRegionSchema,
    regionInference: Nullable(RegionInferenceSchema),
    records: Type.Array(PreviewRow, { maxItems: 20 }),
  },
  { description: 'What the worker would make of the file, from its first 20 rows' },
);
