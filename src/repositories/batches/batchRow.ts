/** The `batches` row as PostgreSQL returns it, its mapping to the domain, and the query helpers. */
import type { Batch, BatchStatus } from '../../domain/batch.js';
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

/** The guarded query function and a one-row helper every part of the batch repository shares. */
export function batchDb(pool: PgPool) {
  const query = guardedQuery(pool, 'database');
  return {
    query,
    async one(sql: string, params: unknown[]): Promise<Batch | null> {
      const { rows } = await query<BatchRow>(sql, params);
      return rows[0] ? toBatch(rows[0]) : null;
    },
  };
}

export type BatchDb = ReturnType<typeof batchDb>;
