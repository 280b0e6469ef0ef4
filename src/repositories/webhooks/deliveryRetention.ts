import type { DeliveryDb } from './deliveryRow.js';

/** Removing finished deliveries past the retention (the delivery log would otherwise only grow). */
export function deliveryRetention(db: DeliveryDb) {
  return {
    /**
     * Removes up to `limit` deliveries that finished (delivered or failed), were created before
     * `cutoff` and have no attempt since (a replayed one counts from its last attempt), oldest
     * first, with their attempts; returns how many. Rows another deliverer is removing are
     * skipped, so several worker processes may prune at once.
     */
    async removeFinishedBefore(cutoff: Date, limit: number): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM webhook_deliveries WHERE id IN (
           SELECT d.id FROM webhook_deliveries d
            WHERE d.state <> 'pending' AND d.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.attempted_at >= $1)
            ORDER BY d.created_at LIMIT $2
            FOR UPDATE SKIP LOCKED)`,
        [cutoff, limit],
      );
      return rowCount ?? 0;
    },
  };
}
