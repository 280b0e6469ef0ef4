-- Readings of a batch's stored file (issue #21, "re-read a stored file"). The records store keys
-- records and invalid rows by a uuid; until now that was always the batch id. A re-read writes
-- its records under a fresh key and one UPDATE of the batch row switches to it, so readers see
-- the old set or the new one, never a mix, and no records table changes shape.
--
-- records_key: the key of the reading readers see; NULL = the batch id (every first reading).
-- reading_key: the key a re-read in progress writes under; NULL when none is in progress.
-- reading:     the generation of the current reading (0 for the first), carried by page cursors
--              so a reader paging across a switch is told to start again instead of mixing sets.
ALTER TABLE batches ADD COLUMN IF NOT EXISTS records_key uuid;
ALTER TABLE batches ADD COLUMN IF NOT EXISTS reading_key uuid;
ALTER TABLE batches ADD COLUMN IF NOT EXISTS reading integer NOT NULL DEFAULT 0 CHECK (reading >= 0);

-- Readings no batch shows any more (replaced by a re-read, or owned by a deleted batch), whose
-- records are still to be removed from the records store. Written in the statement that makes
-- the reading unreachable, removed once its records are gone: a crash in between only delays the
-- removal (the sweeper finishes it). `due_at` leaves readers that resolved the old key just
-- before the switch time to finish their page.
CREATE TABLE IF NOT EXISTS released_readings (
  records_key  uuid PRIMARY KEY,
  batch_id     uuid        NOT NULL,
  released_at  timestamptz NOT NULL DEFAULT now(),
  due_at       timestamptz NOT NULL DEFAULT now(),
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX IF NOT EXISTS released_readings_due ON released_readings (due_at);
