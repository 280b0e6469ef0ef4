-- Fixes of invalid rows (issue #21). One row per fixed row of a batch, holding the invalid row as
-- the worker read it (reason and original cells): the records store's invalid row is removed
-- when the fix becomes a record, and this is what a second fix of the same row starts from and
-- what a re-read drops. `counted` says whether the batch's counts already moved for it, so a fix
-- interrupted between the stores is completed (never counted twice) when it is sent again.
CREATE TABLE IF NOT EXISTS batch_row_fixes (
  batch_id    uuid        NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  row_number  integer     NOT NULL CHECK (row_number >= 0),
  reason      text        NOT NULL,
  original    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  counted     boolean     NOT NULL DEFAULT false,
  fixed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch_id, row_number)
);
