/** The `batches` row as PostgreSQL returns it, its mapping to the domain, and the query helpers. */
import type {
  Batch,
  BatchListItem,
  BatchStatus,
  BatchStatusView,
  BatchSummaryView,
} from '../../domain/batch.js';
import type pg from 'pg';
import { guardedQuery, type PgPool } from '../../db/postgres.js';
import type { MappingSource } from '../../parsing/headers/savedMappings.js';
import type { ColumnMapping, FileFormat } from '../../parsing/types.js';
import type { StoreIdentity } from '../../storage/fileStorage.js';

export type NewBatch = Pick<
  Batch,
  | 'id'
  | 'userId'
  | 'userEmail'
  | 'fileName'
  | 'fileSize'
  | 'fileFormat'
  | 'mimeType'
  | 'storageKey'
  | 'sha256'
> & {
  idempotencyKey: string | null;
  mapping?: ColumnMapping | null;
  mappingSource?: MappingSource | null;
  phoneRegion?: string | null;
  encodingOverride?: string | null;
  store: StoreIdentity;
};

export interface BatchRow {
  id: string;
  user_id: string;
  user_email: string;
  file_name: string;
  file_size: string;
  file_format: FileFormat;
  mime_type: string | null;
  storage_key: string;
  storage_backend: StoreIdentity['backend'] | null;
  storage_store: string | null;
  sha256: string;
  idempotency_key: string | null;
  column_mapping: ColumnMapping | null;
  /** Migration 013; absent in rows read before it ran. */
  mapping_source?: MappingSource | null;
  phone_region: string | null;
  encoding_override: string | null;
  text_encoding: string | null;
  status: BatchStatus;
  progress: number;
  error_message: string | null;
  rows_read: number;
  records_loaded: number;
  invalid_rows: number;
  known_contacts: number;
  contact_index_seq: string | null;
  attempt: number;
  version: string;
  records_key: string | null;
  reading_key: string | null;
  reading: number;
  created_at: Date;
  updated_at: Date;
}

export function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    userId: row.user_id,
    userEmail: row.user_email,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    fileFormat: row.file_format,
    mimeType: row.mime_type,
    storageKey: row.storage_key,
    store:
      row.storage_backend === null || row.storage_store === null
        ? null
        : { backend: row.storage_backend, store: row.storage_store },
    sha256: row.sha256,
    idempotencyKey: row.idempotency_key,
    mapping: row.column_mapping,
    mappingSource: row.mapping_source ?? null,
    phoneRegion: row.phone_region,
    encodingOverride: row.encoding_override,
    textEncoding: row.text_encoding,
    status: row.status,
    progress: row.progress,
    errorMessage: row.error_message,
    rowsRead: row.rows_read,
    recordsLoaded: row.records_loaded,
    invalidRows: row.invalid_rows,
    knownContacts: row.known_contacts,
    contactIndexSeq: row.contact_index_seq === null ? null : Number(row.contact_index_seq),
    attempt: row.attempt,
    version: Number(row.version),
    recordsKey: row.records_key ?? row.id,
    readingKey: row.reading_key,
    reading: row.reading,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Every column toBatch reads, named rather than `*` so a prepared statement's result type stays
 * the same when a later migration adds a column (PostgreSQL refuses to re-plan a prepared
 * statement whose result type changed: "cached plan must not change result type").
 */
export const BATCH_COLUMNS = `id, user_id, user_email, file_name, file_size, file_format, mime_type, storage_key,
  storage_backend, storage_store, sha256, idempotency_key, column_mapping, phone_region, encoding_override,
  text_encoding, status, progress, error_message, rows_read, records_loaded, invalid_rows, attempt, version,
  created_at, updated_at, mapping_source, known_contacts, contact_index_seq, records_key, reading_key, reading`;

/** The columns of a new row the database fills in (defaults, the version, the timestamps). */
export const GENERATED_COLUMNS = `text_encoding, status, progress, error_message, rows_read, records_loaded, invalid_rows,
  attempt, version, created_at, updated_at, known_contacts, contact_index_seq, records_key, reading_key, reading`;
export type GeneratedColumns = Pick<
  BatchRow,
  | 'text_encoding'
  | 'status'
  | 'progress'
  | 'error_message'
  | 'rows_read'
  | 'records_loaded'
  | 'invalid_rows'
  | 'attempt'
  | 'version'
  | 'created_at'
  | 'updated_at'
  | 'known_contacts'
  | 'contact_index_seq'
  | 'records_key'
  | 'reading_key'
  | 'reading'
>;

/** A just-inserted batch: what was sent, plus the columns the database filled in. */
export function insertedBatch(batch: NewBatch, row: GeneratedColumns): Batch {
  return {
    id: batch.id,
    userId: batch.userId,
    userEmail: batch.userEmail,
    fileName: batch.fileName,
    fileSize: batch.fileSize,
    fileFormat: batch.fileFormat,
    mimeType: batch.mimeType,
    storageKey: batch.storageKey,
    store: batch.store,
    sha256: batch.sha256,
    idempotencyKey: batch.idempotencyKey,
    mapping: batch.mapping ?? null,
    mappingSource: batch.mappingSource ?? null,
    phoneRegion: batch.phoneRegion ?? null,
    encodingOverride: batch.encodingOverride ?? null,
    textEncoding: row.text_encoding,
    status: row.status,
    progress: row.progress,
    errorMessage: row.error_message,
    rowsRead: row.rows_read,
    recordsLoaded: row.records_loaded,
    invalidRows: row.invalid_rows,
    knownContacts: row.known_contacts,
    contactIndexSeq: row.contact_index_seq === null ? null : Number(row.contact_index_seq),
    attempt: row.attempt,
    version: Number(row.version),
    recordsKey: row.records_key ?? batch.id,
    readingKey: row.reading_key,
    reading: row.reading,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns of a status answer, and their mapping. */
export const STATUS_COLUMNS =
  'id, status, version, progress, error_message, rows_read, records_loaded, invalid_rows, known_contacts';
type StatusRow = Pick<
  BatchRow,
  | 'id'
  | 'status'
  | 'version'
  | 'progress'
  | 'error_message'
  | 'rows_read'
  | 'records_loaded'
  | 'invalid_rows'
  | 'known_contacts'
>;
export function toBatchStatus(row: StatusRow): BatchStatusView {
  return {
    id: row.id,
    status: row.status,
    version: Number(row.version),
    progress: row.progress,
    errorMessage: row.error_message,
    rowsRead: row.rows_read,
    recordsLoaded: row.records_loaded,
    invalidRows: row.invalid_rows,
    knownContacts: row.known_contacts,
  };
}

/** The columns of a recent-batches answer, and their mapping. */
export const SUMMARY_COLUMNS = 'id, file_name, file_size, status, version, created_at, updated_at';
type SummaryRow = Pick<
  BatchRow,
  'id' | 'file_name' | 'file_size' | 'status' | 'version' | 'created_at' | 'updated_at'
>;
export function toBatchSummary(row: SummaryRow): BatchSummaryView {
  return {
    id: row.id,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    status: row.status,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns of a batch-list page, and their mapping. */
export const LIST_COLUMNS = `${STATUS_COLUMNS}, file_name, file_size, created_at, updated_at, file_format, sha256,
  column_mapping, mapping_source, phone_region, encoding_override, text_encoding`;
type ListRow = StatusRow &
  SummaryRow &
  Pick<
    BatchRow,
    | 'file_format'
    | 'sha256'
    | 'column_mapping'
    | 'mapping_source'
    | 'phone_region'
    | 'encoding_override'
    | 'text_encoding'
  >;
export function toBatchListItem(row: ListRow): BatchListItem {
  return {
    ...toBatchStatus(row),
    ...toBatchSummary(row),
    fileFormat: row.file_format,
    sha256: row.sha256,
    mapping: row.column_mapping,
    mappingSource: row.mapping_source ?? null,
    phoneRegion: row.phone_region,
    encodingOverride: row.encoding_override,
    textEncoding: row.text_encoding,
  };
}

/**
 * A named (prepared) statement: pg parses and plans it once per connection and then only binds
 * values, instead of sending, parsing and planning the text on every call. For the hot reads.
 */
export function prepared(name: string, text: string, values: unknown[]): pg.QueryConfig {
  return { name, text, values };
}

/** The guarded query function and a one-row helper every part of the batch repository shares. */
export function batchDb(pool: PgPool) {
  const query = guardedQuery(pool, 'database');
  return {
    query,
    async one(sql: string | pg.QueryConfig, params?: unknown[]): Promise<Batch | null> {
      const { rows } = await query<BatchRow>(sql, params);
      return rows[0] ? toBatch(rows[0]) : null;
    },
  };
}

export type BatchDb = ReturnType<typeof batchDb>;
