import {
  mappingSourceOf,
  type BatchListItem,
  type BatchStatusView,
  type BatchSummaryView,
} from '../../domain/batch.js';
import { textEncodingOrNull } from '../../parsing/text/encodings.js';

/** How a batch is shown to its owner: the HTTP views of the domain object, one per schema. */
export function batchSummary(batch: BatchSummaryView) {
  return {
    id: batch.id,
    fileName: batch.fileName,
    fileSize: batch.fileSize,
    status: batch.status,
    version: batch.version,
    createdAt: batch.createdAt.toISOString(),
    updatedAt: batch.updatedAt.toISOString(),
  };
}

function progressOf(batch: BatchStatusView) {
  return {
    progress: batch.progress,
    ...(batch.errorMessage !== null && { errorMessage: batch.errorMessage }),
    rowsRead: batch.rowsRead,
    recordsLoaded: batch.recordsLoaded,
    invalidRows: batch.invalidRows,
    knownContacts: batch.knownContacts,
  };
}

export function batchDetails(batch: BatchListItem) {
  return {
    ...batchSummary(batch),
    fileFormat: batch.fileFormat,
    sha256: batch.sha256,
    mapping: batch.mapping,
    mappingSource: mappingSourceOf(batch),
    phoneRegion: batch.phoneRegion,
    encoding: batch.textEncoding,
    encodingOverride: textEncodingOrNull(batch.encodingOverride),
    ...progressOf(batch),
  };
}

export function batchStatus(batch: BatchStatusView) {
  return { id: batch.id, status: batch.status, version: batch.version, ...progressOf(batch) };
}
