-- Remembered mappings (issue #21): a mapping a user sent (or saved from the preview) is kept
-- under the fingerprint of the file's header row, and a later upload or preview whose header
-- row has the same fingerprint is read with it (src/parsing/headers/savedMappings.ts).
--   fingerprint: SHA-256 (hex) of the sorted set of normalised column names;
--   mapping:     the column names of the file it was saved from -> field or null, in file order
--                (json, not jsonb, which would sort the keys): what the list shows;
--   fields:      normalised column name -> field or null: what a matching file is read with;
--   last_used_at: saved or applied; at SAVED_MAPPINGS_PER_USER the least recently used one goes.
CREATE TABLE IF NOT EXISTS saved_mappings (
  id           uuid        PRIMARY KEY,
  user_id      text        NOT NULL,
  fingerprint  text        NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  mapping      json        NOT NULL CHECK (json_typeof(mapping) = 'object'),
  fields       jsonb       NOT NULL CHECK (jsonb_typeof(fields) = 'object'),
  -- Milliseconds, as the list's cursor carries them (a finer value would skip rows between pages).
  created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  last_used_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (user_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS saved_mappings_user_list ON saved_mappings (user_id, created_at DESC, id DESC);

-- Where the batch's column_mapping came from, decided once at upload: 'request' (sent with the
-- upload), 'saved' (a remembered mapping, copied into column_mapping keyed by this file's own
-- column names, so the worker reads the row as before), 'synonyms' (column_mapping NULL).
-- NULL for vCards and for batches made before this migration (the API derives it then).
ALTER TABLE batches ADD COLUMN IF NOT EXISTS mapping_source text
  CHECK (mapping_source IS NULL OR mapping_source IN ('request', 'saved', 'synonyms'));
