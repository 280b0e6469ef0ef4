import type { DeliveryState, WebhookDelivery } from '../../domain/webhook.js';
import { decodeDeliveryCursor, encodeDeliveryCursor } from '../webhookDeliveryCursor.js';
import { DELIVERY_SELECT, toDelivery, type DeliveryDb, type DeliveryRow } from './deliveryRow.js';

/** An endpoint's delivery log as its owner sees it (the API), and sending deliveries again. */
export function deliveryLog(db: DeliveryDb) {
  return {
    async listForEndpoint(
      endpointId: string,
      options: { state?: DeliveryState | undefined; cursor?: string | undefined; limit: number },
    ): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
      const after = options.cursor === undefined ? null : decodeDeliveryCursor(options.cursor);
      const { rows } = await db.query<DeliveryRow>(
        `${DELIVERY_SELECT}
         WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.state = $2)
           AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4::uuid))
         ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
        [endpointId, options.state ?? null, after?.createdAt ?? null, after?.id ?? null, options.limit + 1],
      );
      const page = rows.slice(0, options.limit).map(toDelivery);
      const last = page[page.length - 1];
      return {
        deliveries: page,
        nextCursor:
          rows.length > options.limit && last ? encodeDeliveryCursor(last.createdAt, last.id) : null,
      };
    },

    async findForEndpoint(endpointId: string, id: string): Promise<WebhookDelivery | null> {
      const { rows } = await db.query<DeliveryRow>(
        `${DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND d.id = $2`,
        [endpointId, id],
      );
      return rows[0] ? toDelivery(rows[0]) : null;
    },

    /** Sends a delivery again from the start of the schedule, keeping its id; false when unknown. */
    async replay(endpointId: string, id: string): Promise<boolean> {
      const result = await db.query(
        `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = now(),
                lease_until = NULL, lease_token = NULL
         WHERE endpoint_id = $1 AND id = $2`,
        [endpointId, id],
      );
      return result.rowCount === 1;
    },

    /** Replays every failed delivery of the endpoint created since `since`; returns how many. */
    async replayFailedSince(endpointId: string, since: Date): Promise<number> {
      const result = await db.query(
        `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = now(),
                lease_until = NULL, lease_token = NULL
         WHERE endpoint_id = $1 AND state = 'failed' AND created_at >= $2`,
        [endpointId, since],
      );
      return result.rowCount ?? 0;
    },
  };
}
