-- Duplicates across batches (issue #21). A contact (normalised e-mail or E.164 phone) seen in an
-- earlier batch of the same user is "known"; see docs/architecture.md "Known contacts".
--
-- contact_index_seq orders a user's batches for the index: drawn from one sequence when a worker
-- starts loading an attempt (contact_index_attempt says which), so "earlier" is "started loading
-- earlier", and a retried batch takes a new place. known_contacts is the batch's count, set by the
-- worker just before the batch becomes `loaded`.
CREATE SEQUENCE IF NOT EXISTS contact_index_seq;
ALTER TABLE batches
  ADD COLUMN IF NOT EXISTS known_contacts        integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS contact_index_seq     bigint,
  ADD COLUMN IF NOT EXISTS contact_index_attempt integer;

-- The index itself when RECORDS_STORE=postgres (Cassandra has its own table): one row per
-- (user, contact key, batch, row). The first sighting of a key is the smallest (seq, batch, row).
-- records_key: the reading the sighting was read from (batches.records_key or reading_key: the
-- batch id for a first reading, a re-read's own key otherwise), so one reading's entries are
-- released on their own when it is replaced or its batch deleted.
CREATE TABLE IF NOT EXISTS contact_sightings (
  user_id     text    NOT NULL,
  contact_key text    NOT NULL,
  seq         bigint  NOT NULL,
  batch_id    uuid    NOT NULL,
  row_number  integer NOT NULL,
  records_key uuid    NOT NULL,
  PRIMARY KEY (user_id, contact_key, seq, batch_id, row_number)
);
-- Releasing a replaced reading's or a deleted batch's entries.
CREATE INDEX IF NOT EXISTS contact_sightings_reading_idx ON contact_sightings (records_key);
