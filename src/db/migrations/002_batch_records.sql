-- Records store when Cassandra is not configured (the embedded default). Same behaviour as the
-- Cassandra tables: upsert by (batch_id, row_number), keyset paging by row_number.
-- No foreign key to batches: a worker may still be writing records of a batch that is being
-- deleted; the batch service deletes records explicitly (and again after the worker stops).
CREATE TABLE IF NOT EXISTS batch_records (
  batch_id     uuid    NOT NULL,
  row_number   integer NOT NULL CHECK (row_number >= 0),
  full_name    text,
  first_name   text,
  last_name    text,
  email        text,
  phone        text,
  company      text,
  title        text,
  street       text,
  city         text,
  region       text,
  postal_code  text,
  country      text,
  original     jsonb   NOT NULL DEFAULT '{}'::jsonb,
  issues       jsonb   NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (batch_id, row_number)
);

CREATE TABLE IF NOT EXISTS batch_invalid_rows (
  batch_id     uuid    NOT NULL,
  row_number   integer NOT NULL CHECK (row_number >= 0),
  reason       text    NOT NULL,
  original     jsonb   NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (batch_id, row_number)
);
