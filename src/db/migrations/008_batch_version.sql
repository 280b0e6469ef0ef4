-- A per-batch change counter (issue #18): every write of a batch row bumps it, so a page (or any
-- client) holding an answer and a live event can tell which is newer and never let an older
-- answer overwrite a newer status. A trigger rather than `version = version + 1` in each UPDATE:
-- no writer, present or future, can forget it.
ALTER TABLE batches ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;

CREATE OR REPLACE FUNCTION batches_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS batches_bump_version ON batches;
CREATE TRIGGER batches_bump_version BEFORE UPDATE ON batches
  FOR EACH ROW EXECUTE FUNCTION batches_bump_version();
