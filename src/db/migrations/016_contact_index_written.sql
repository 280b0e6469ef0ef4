-- Issue #21, known contacts: a batch's knownContacts is final once every earlier batch of its
-- user has WRITTEN its sightings, not once each is `loaded`. contact_index_written is set by the
-- attempt named in contact_index_attempt after its last index write is acknowledged, and cleared
-- when a new attempt draws its place, so one user's backlog (e.g. after an outage) finishes in
-- parallel instead of one batch after the other in seq order.
ALTER TABLE batches
  ADD COLUMN IF NOT EXISTS contact_index_written boolean NOT NULL DEFAULT false;
