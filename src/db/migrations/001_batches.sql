-- Batch metadata: one row per upload. Records live in the records store (Cassandra or
-- the batch_records table below), keyed by batch id.
CREATE TABLE IF NOT EXISTS batches (
  id               uuid PRIMARY KEY,
  user_id          text        NOT NULL,
  user_email       text        NOT NULL,
  file_name        text        NOT NULL,
  file_size        bigint      NOT NULL CHECK (file_size >= 0),
  file_format      text        NOT NULL CHECK (file_format IN ('csv', 'txt', 'vcf', 'xls', 'xlsx')),
  mime_type        text,
  storage_key      text        NOT NULL,
  sha256           char(64)    NOT NULL,
  idempotency_key  text,
  status           text        NOT NULL DEFAULT 'uploaded'
                     CHECK (status IN ('uploaded', 'parsing', 'parsed', 'loaded', 'error')),
  progress         smallint    NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  error_message    text,
  rows_read        integer     NOT NULL DEFAULT 0,
  records_loaded   integer     NOT NULL DEFAULT 0,
  invalid_rows     integer     NOT NULL DEFAULT 0,
  attempt          integer     NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Per-user listing, newest first, optionally by status.
CREATE INDEX IF NOT EXISTS batches_user_created_idx ON batches (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS batches_user_status_created_idx ON batches (user_id, status, created_at DESC, id DESC);
-- The sweeper looks for batches stuck in a status for too long.
CREATE INDEX IF NOT EXISTS batches_status_updated_idx ON batches (status, updated_at);
-- Idempotency-Key is scoped to the user.
CREATE UNIQUE INDEX IF NOT EXISTS batches_user_idempotency_idx
  ON batches (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
