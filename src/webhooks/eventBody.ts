import type { WebhookEventType } from '../domain/webhook.js';

/** Standard Webhooks' advice: keep bodies small; the records are fetched through the links. */
export const MAX_BODY_BYTES = 20 * 1024;

/** The links of a batch event: where the consumer reads the batch and its records. */
function batchLinks(batchId: string, base: string): Record<string, string> {
  const batch = `${base}/api/batches/${batchId}`;
  return {
    batch,
    records: `${batch}/records`,
    recordsNdjson: `${batch}/records.ndjson`,
    recordsCsv: `${batch}/records.csv`,
    errorsCsv: `${batch}/errors.csv`,
  };
}

const TIMESTAMP_FIELDS = ['createdAt', 'updatedAt'] as const;

/**
 * The JSON body of a delivery: `{type, timestamp, data}`. Batch events' data is the snapshot
 * written with the transition, timestamps as ISO 8601 UTC, plus `links` (prefixed with
 * WEBHOOK_PUBLIC_URL when set). The same delivery always renders the same body.
 */
export function renderEventBody(
  type: WebhookEventType,
  occurredAt: Date,
  data: Record<string, unknown>,
  publicUrl: string | undefined,
): string {
  const shown: Record<string, unknown> = { ...data };
  if (type !== 'webhook.test') {
    for (const field of TIMESTAMP_FIELDS) {
      if (typeof shown[field] === 'string') {
        shown[field] = new Date(shown[field]).toISOString();
      }
    }
    shown['links'] = batchLinks(String(data['id']), publicUrl ?? '');
  }
  const body = JSON.stringify({ type, timestamp: occurredAt.toISOString(), data: shown });
  if (Buffer.byteLength(body) >= MAX_BODY_BYTES) {
    // Cannot happen with the fields above (the file name is capped at upload); a guard, not a path.
    throw new Error(`webhook body of ${Buffer.byteLength(body)} bytes is over ${MAX_BODY_BYTES}`);
  }
  return body;
}
