-- What the uploader chose for a batch (issue #11), read by the worker when it parses the file:
-- column_mapping: header -> contact field (or null: not a field), used instead of the synonyms;
-- phone_region: ISO 3166-1 alpha-2, upper case, for phone numbers without a country code.
-- Both NULL for uploads that chose nothing (and for every batch made before this migration).
ALTER TABLE batches ADD COLUMN IF NOT EXISTS column_mapping jsonb
  CHECK (column_mapping IS NULL OR jsonb_typeof(column_mapping) = 'object');
ALTER TABLE batches ADD COLUMN IF NOT EXISTS phone_region text
  CHECK (phone_region IS NULL OR phone_region ~ '^[A-Z]{2}$');
