import type { MappingSource } from '../parsing/headers/savedMappings.js';
import type { ColumnMapping, FileFormat } from '../parsing/types.js';
import type { StoreIdentity } from '../storage/fileStorage.js';

export const BATCH_STATUSES = ['uploaded', 'parsing', 'parsed', 'loaded', 'error'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface Batch {
  id: string;
  userId: string;
  userEmail: string;
  fileName: string;
  fileSize: number;
  fileFormat: FileFormat;
  mimeType: string | null;
  storageKey: string;
  /** The store holding the file; null for batches uploaded before stores were recorded. */
  store: StoreIdentity | null;
  sha256: string;
  idempotencyKey: string | null;
  /** The uploader's header -> field mapping, used instead of the synonyms; null: synonyms. */
  mapping: ColumnMapping | null;
  /**
   * Where `mapping` came from, decided at upload (issue #21): sent, a saved mapping (copied into
   * `mapping`), or none (synonyms). Null/absent for vCards and batches made before migration 013;
   * `mappingSourceOf` derives it then.
   */
  mappingSource?: MappingSource | null;
  /** ISO 3166-1 alpha-2 (upper case) for phones without a country code; null: the deployment's. */
  phoneRegion: string | null;
  /** The CSV/TXT encoding the uploader chose; null: detected. */
  encodingOverride: string | null;
  /** The text encoding the worker decoded the file with; null until parsed, and for spreadsheets. */
  textEncoding: string | null;
  status: BatchStatus;
  progress: number;
  errorMessage: string | null;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
  /**
   * Records whose e-mail or phone was already loaded in an earlier batch of the same user
   * (issue #21, migration 014); set just before the batch becomes `loaded`.
   */
  knownContacts: number;
  /** The batch's place in its user's order for the contact index; null until it starts loading. */
  contactIndexSeq: number | null;
  /** Bumped by every retry; a worker only writes to the attempt it was queued for. */
  attempt: number;
  /**
   * Bumped by every write of the row (a trigger, migration 008): of two views of one batch, the
   * one with the higher version is newer, whatever order they arrive in.
   */
  version: number;
  /**
   * Issue #21, re-reads: the records-store key of the reading readers see (the batch id for the
   * first reading), the key a re-read in progress writes under (null when none), and the
   * generation of the current reading (0 for the first; page cursors carry it).
   */
  recordsKey: string;
  readingKey: string | null;
  reading: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Where the worker writes the records of the reading it is making: a re-read's own key, else the current one. */
export function writeKeyOf(batch: Pick<Batch, 'recordsKey' | 'readingKey'>): string {
  return batch.readingKey ?? batch.recordsKey;
}

/** What a status answer shows (GET /api/batches/{id}/status): read alone, 8 columns of 23. */
export type BatchStatusView = Pick<
  Batch,
  | 'id'
  | 'status'
  | 'version'
  | 'progress'
  | 'errorMessage'
  | 'rowsRead'
  | 'recordsLoaded'
  | 'invalidRows'
  | 'knownContacts'
>;

/** What a list of recent batches shows. */
export type BatchSummaryView = Pick<
  Batch,
  'id' | 'fileName' | 'fileSize' | 'status' | 'version' | 'createdAt' | 'updatedAt'
>;

/** What a page of the batch list shows: the details without the storage and ownership internals. */
export type BatchListItem = Omit<
  Batch,
  | 'userId'
  | 'userEmail'
  | 'mimeType'
  | 'storageKey'
  | 'store'
  | 'idempotencyKey'
  | 'attempt'
  | 'contactIndexSeq'
  | 'recordsKey'
  | 'readingKey'
  | 'reading'
>;

export interface BatchCounts {
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
}

export type BatchStats = Record<'total' | BatchStatus, number>;

/** The authenticated caller, from the JWT. */
export interface User {
  id: string;
  email: string;
}

/** The batch's mapping source; for a batch without a stored one, what its mapping says. */
export function mappingSourceOf(
  batch: Pick<Batch, 'mappingSource' | 'fileFormat' | 'mapping'>,
): MappingSource | null {
  if (batch.mappingSource) {
    return batch.mappingSource;
  }
  if (batch.fileFormat === 'vcf') {
    return null;
  }
  return batch.mapping ? 'request' : 'synonyms';
}
