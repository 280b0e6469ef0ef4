import type { Batch } from '../domain/batch.js';
import { batchStatus } from '../http/presenters/batchPresenter.js';

/**
 * What the live stream (GET /api/batches/events) tells a batch's owner. `batch`: the body
 * GET /api/batches/{id}/status answers, plus `fileName` and `updatedAt`, so a list row can be
 * drawn from the event alone; `deleted`: only the id.
 */
export type BatchEvent =
  { type: 'batch'; data: ReturnType<typeof batchEventData> } | { type: 'deleted'; data: { id: string } };

export type BatchEventType = BatchEvent['type'];

export function batchEventData(batch: Batch) {
  return { ...batchStatus(batch), fileName: batch.fileName, updatedAt: batch.updatedAt.toISOString() };
}

export function batchChanged(batch: Batch): BatchEvent {
  return { type: 'batch', data: batchEventData(batch) };
}

export function batchDeleted(id: string): BatchEvent {
  return { type: 'deleted', data: { id } };
}

/** One entry as read back from a user's stream: its id, its type and its JSON, untouched. */
export interface StoredEvent {
  id: string;
  type: BatchEventType;
  data: string;
}

export function isBatchEventType(value: string | undefined): value is BatchEventType {
  return value === 'batch' || value === 'deleted';
}
