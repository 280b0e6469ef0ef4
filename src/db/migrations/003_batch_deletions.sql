-- Outbox of cleanups owed by deleted batches (stored file, records, queued job). Written in the
-- same transaction as the row delete, so a crash or an outage between the two never leaks data:
-- the sweeper finishes whatever is still listed here.
CREATE TABLE IF NOT EXISTS batch_deletions (
  batch_id     uuid PRIMARY KEY,
  storage_key  text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text
);
