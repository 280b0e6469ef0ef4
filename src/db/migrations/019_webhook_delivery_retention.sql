-- The delivery log's retention (src/repositories/webhooks/deliveryRetention.ts): finished
-- deliveries (delivered or failed) are removed, oldest first, once WEBHOOK_DELIVERY_RETENTION has
-- passed since they were created and since their last attempt; their attempts go with them
-- (ON DELETE CASCADE). Before, the table only grew. The deliverer finds the oldest finished rows
-- through this index instead of reading the whole table.
--
-- Built in the migration's transaction (as 018): the build holds a SHARE lock on
-- webhook_deliveries for about as long as 018's did (0.44 s for two indexes on a million rows).
CREATE INDEX IF NOT EXISTS webhook_deliveries_finished
  ON webhook_deliveries (created_at) WHERE state <> 'pending';
