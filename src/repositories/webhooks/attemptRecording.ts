import { withClient, type PgPool } from '../../db/postgres.js';
import { postgresUnavailable } from '../../db/postgresErrors.js';
import type { DeliveryAttempt, DeliveryState } from '../../domain/webhook.js';
import type { ClaimedDelivery } from './deliveryQueue.js';

/** What an attempt's result does to its delivery and endpoint (decided by the deliverer). */
export interface AttemptResult {
  attempt: DeliveryAttempt;
  state: DeliveryState;
  /** When the next attempt is due; only with state `pending`. */
  nextAttemptAt: Date | null;
  /** The attempt counts as the endpoint failing (not 2xx). */
  failed: boolean;
  /** Disable the endpoint now, saying why (410 Gone). */
  disableReason: string | null;
}

/** Recording a deliverer's attempt: the attempt row, the delivery's next state, the endpoint's health. */
export function attemptRecording(pool: PgPool) {
  return {
    /**
     * Records an attempt and its consequences in one transaction. The delivery changes only while
     * the lease is still this deliverer's (a deliverer that outlived its lease records the attempt
     * but cannot overwrite what the next one decided).
     */
    async recordAttempt(
      claim: ClaimedDelivery,
      result: AttemptResult,
      disableAfterMs: number,
    ): Promise<void> {
      const { attempt } = result;
      try {
        await withClient(pool, async (client) => {
          try {
            await client.query('BEGIN');
            await client.query(
              // Nothing to record when the endpoint (and so the delivery) was deleted meanwhile.
              `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response)
               SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)`,
              [
                claim.id,
                attempt.attemptedAt,
                attempt.statusCode,
                attempt.error,
                attempt.durationMs,
                attempt.response,
              ],
            );
            await client.query(
              `UPDATE webhook_deliveries SET state = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                      round_attempts = round_attempts + 1, lease_until = NULL, lease_token = NULL,
                      delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
               WHERE id = $1 AND lease_token = $2`,
              [claim.id, claim.leaseToken, result.state, result.nextAttemptAt],
            );
            if (result.failed) {
              await client.query(endpointFailedSql, [
                claim.endpointId,
                attempt.attemptedAt,
                result.disableReason,
                disableAfterMs,
              ]);
            } else {
              // A success ends a failure streak; on a healthy endpoint it writes nothing, so
              // concurrent attempts to one endpoint never queue on its row lock.
              await client.query(
                'UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
                [claim.endpointId],
              );
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'recording a webhook attempt') ?? error;
      }
    },
  };
}

/**
 * After a failed attempt: the failure streak starts (or keeps its start), and the endpoint is
 * disabled once the streak is `$4` ms long, or at once with a reason ($3, 410 Gone).
 */
const endpointFailedSql = `
  UPDATE webhook_endpoints SET
    failing_since = COALESCE(failing_since, $2),
    enabled = CASE
      WHEN $3::text IS NOT NULL THEN false
      WHEN COALESCE(failing_since, $2) <= now() - make_interval(secs => $4::double precision / 1000) THEN false
      ELSE enabled END,
    disabled_reason = CASE
      WHEN $3::text IS NOT NULL THEN $3
      WHEN COALESCE(failing_since, $2) <= now() - make_interval(secs => $4::double precision / 1000)
        THEN 'every delivery failed since ' || to_char(COALESCE(failing_since, $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      ELSE disabled_reason END,
    updated_at = now()
  WHERE id = $1`;
