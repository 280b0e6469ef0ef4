-- The text encoding of a batch (issue 22):
-- encoding_override: what the uploader chose with the `encoding` field (NULL: detected);
-- text_encoding: what the worker decoded the file with, recorded when it is parsed (NULL before,
-- and for spreadsheets, which store Unicode).
ALTER TABLE batches ADD COLUMN IF NOT EXISTS encoding_override text
  CHECK (encoding_override IS NULL OR encoding_override ~ '^[a-z0-9_-]{1,32}$');
ALTER TABLE batches ADD COLUMN IF NOT EXISTS text_encoding text
  CHECK (text_encoding IS NULL OR text_encoding ~ '^[a-z0-9_-]{1,32}$');
