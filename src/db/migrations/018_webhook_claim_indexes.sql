-- The deliverer's claim (src/repositories/webhooks/deliveryQueue.ts) reads per endpoint instead of
-- ranking every pending delivery: the endpoints with pending deliveries are found by skipping
-- through this index one endpoint at a time, and each one's earliest due deliveries are read from
-- it in order. Before, every claim sorted all pending deliveries by endpoint (~3 ms with 1,000
-- pending, once per freed slot: the bound of the webhooks bench).
--
-- Built in the migration's transaction, not CONCURRENTLY (migrate.ts runs each file in one): the
-- build holds a SHARE lock on webhook_deliveries, so status changes that write an outbox row wait
-- for it. It reads the whole table (delivered rows are kept): both indexes took 0.44 s on a
-- million-row table of ~400-byte rows with 1,000 pending (this 2-core box, 2026-12-07).
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending_endpoint
  ON webhook_deliveries (endpoint_id, next_attempt_at, id) WHERE state = 'pending';

-- The deliveries in flight (a lease set and not yet recorded), counted per endpoint against its
-- cap. A recorded attempt clears its lease, so this index holds only the few in flight.
CREATE INDEX IF NOT EXISTS webhook_deliveries_leased
  ON webhook_deliveries (endpoint_id, lease_until) WHERE state = 'pending' AND lease_until IS NOT NULL;
