import type { BatchWebhookEventType } from '../domain/webhook.js';

/**
 * The transactional outbox's write, as a CTE step: the statement that changes a batch row
 * (`source`, a CTE of the changed rows with every `batches` column) also inserts one pending
 * delivery per enabled endpoint of the owner subscribed to `type`. One statement is one
 * transaction, so the change and its events are kept or lost together: a crash between
 * "loaded" and "sent" loses nothing, and a write that was fenced out (no row) makes no event.
 *
 * `type` is one of the fixed event names (a typed constant, never user input).
 */
export function outboxInsert(type: BatchWebhookEventType, source: string): string {
  return `INSERT INTO webhook_deliveries (endpoint_id, event_type, batch_id, data)
          SELECT e.id, '${type}', b.id, ${batchSnapshot('b')}
          FROM ${source} b
          JOIN webhook_endpoints e ON e.user_id = b.user_id AND e.enabled AND '${type}' = ANY (e.events)`;
}

/** The batch as the event shows it, taken at the transition (links are added when sent). */
function batchSnapshot(alias: string): string {
  return `jsonb_build_object(
            'id', ${alias}.id, 'status', ${alias}.status, 'fileName', ${alias}.file_name,
            'fileSize', ${alias}.file_size, 'recordsLoaded', ${alias}.records_loaded,
            'invalidRows', ${alias}.invalid_rows, 'errorMessage', ${alias}.error_message,
            'createdAt', ${alias}.created_at, 'updatedAt', ${alias}.updated_at)`;
}
