import type { PgPool } from '../../db/postgres.js';
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
     * Records an attempt and its consequences in one statement, so atomically and in one round
     * trip and one commit (a transaction of five statements was 3.7 ms of each attempt's ~10 in
     * the webhooks bench). The delivery changes only while the lease is still this deliverer's (a
     * deliverer that outlived its lease records the attempt but cannot overwrite what the next one
     * decided).
     */
    async recordAttempt(
      claim: ClaimedDelivery,
      result: AttemptResult,
      disableAfterMs: number,
    ): Promise<void> {
      const { attempt } = result;
      try {
        await pool.query({ name: 'webhook_record_attempt', text: recordAttemptSql }, [
          claim.id,
          claim.leaseToken,
          result.state,
          result.nextAttemptAt,
          attempt.attemptedAt,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
          attempt.response,
          claim.endpointId,
          result.failed,
          result.disableReason,
          disableAfterMs,
        ]);
      } catch (error) {
        throw postgresUnavailable(error, 'database', 'recording a webhook attempt') ?? error;
      }
    },
  };
}

/**
 * $1 delivery, $2 lease token, $3 next state, $4 next attempt; the attempt ($5–$9); the endpoint
 * ($10), whether the attempt failed ($11), a reason to disable it now ($12, 410 Gone) and how
 * long a failure streak may last ($13, ms).
 *
 * - The attempt is recorded unless the delivery (so its endpoint) was deleted meanwhile.
 * - A failed attempt starts the endpoint's failure streak (or keeps its start) and disables the
 *   endpoint once the streak is `$13` ms long, or at once with a reason. A success ends a streak;
 *   on a healthy endpoint it writes nothing, so concurrent attempts to one endpoint never queue
 *   on its row lock.
 */
const recordAttemptSql = `
  WITH attempt AS (
    INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response)
    SELECT $1, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)
  ), delivery AS (
    UPDATE webhook_deliveries SET state = $3, next_attempt_at = COALESCE($4, next_attempt_at),
           round_attempts = round_attempts + 1, lease_until = NULL, lease_token = NULL,
           delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
     WHERE id = $1 AND lease_token = $2
  )
  UPDATE webhook_endpoints SET
    failing_since = CASE WHEN $11 THEN COALESCE(failing_since, $5) END,
    enabled = CASE
      WHEN NOT $11 THEN enabled
      WHEN $12::text IS NOT NULL THEN false
      WHEN COALESCE(failing_since, $5) <= now() - make_interval(secs => $13::double precision / 1000) THEN false
      ELSE enabled END,
    disabled_reason = CASE
      WHEN NOT $11 THEN disabled_reason
      WHEN $12::text IS NOT NULL THEN $12
      WHEN COALESCE(failing_since, $5) <= now() - make_interval(secs => $13::double precision / 1000)
        THEN 'every delivery failed since ' || to_char(COALESCE(failing_since, $5) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      ELSE disabled_reason END,
    updated_at = CASE WHEN $11 THEN now() ELSE updated_at END
  WHERE id = $10 AND ($11 OR failing_since IS NOT NULL)`;
