-- Issue #21: a fixed row is a record like any other, so its contact goes into the contact index
-- (later batches see it) and counts in its batch's knownContacts when an earlier batch has it.
-- index_keys: every contact key a fix of this row may have written to the index (a union while
-- a fix is stored, the fix's own keys once it is), so a later fix of the same row removes the
-- sightings its earlier fix left, even one cut short. known: the current fix's record was seen in
-- an earlier batch; known_counted: what the batch's known_contacts holds for it, so the count
-- moves by the difference, exactly once, in the counting statement (like `counted`).
ALTER TABLE batch_row_fixes
  ADD COLUMN IF NOT EXISTS index_keys    text[]  NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS known         boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS known_counted boolean NOT NULL DEFAULT false;
