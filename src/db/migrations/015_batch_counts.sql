-- Per-user, per-status batch counts kept current by the database (issue #23), so the list page's
-- total and the stats page read a handful of rows instead of counting a user's batches on every
-- request. Triggers rather than code in each writer: no INSERT, status UPDATE or DELETE of a
-- batch, present or future, can forget them, and the change and its count commit together.
--
-- Exact under concurrency: each delta is an upsert of `n = n + delta` on the (user, status) row,
-- which takes that row's lock until commit, so concurrent writers serialise on it and a rolled-back
-- write rolls its delta back. Statement-level triggers with transition tables apply one
-- statement's deltas in one upsert, in (user_id, status) order, so two statements never lock the
-- same count rows in opposite orders (no deadlock between, say, a retry and a status change).
CREATE TABLE IF NOT EXISTS batch_counts (
  user_id text NOT NULL,
  status text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (user_id, status)
);

-- Taken before the triggers exist and held to commit: no batch changes between the backfill and
-- the triggers taking over.
LOCK TABLE batches IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE FUNCTION batch_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO batch_counts AS c (user_id, status, n)
      SELECT user_id, status, count(*) FROM new_rows GROUP BY user_id, status ORDER BY user_id, status
      ON CONFLICT (user_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE batch_counts AS c SET n = c.n - d.n
      FROM (SELECT user_id, status, count(*) AS n FROM old_rows GROUP BY user_id, status
            ORDER BY user_id, status) d
     WHERE c.user_id = d.user_id AND c.status = d.status;
  ELSE
    -- Only rows whose status (or owner) changed move a count; progress writes touch nothing.
    INSERT INTO batch_counts AS c (user_id, status, n)
      SELECT user_id, status, sum(delta) FROM (
        SELECT o.user_id, o.status, -1 AS delta FROM old_rows o JOIN new_rows n USING (id)
         WHERE o.status IS DISTINCT FROM n.status OR o.user_id IS DISTINCT FROM n.user_id
        UNION ALL
        SELECT n.user_id, n.status, 1 FROM old_rows o JOIN new_rows n USING (id)
         WHERE o.status IS DISTINCT FROM n.status OR o.user_id IS DISTINCT FROM n.user_id
      ) moved
      GROUP BY user_id, status HAVING sum(delta) <> 0 ORDER BY user_id, status
      ON CONFLICT (user_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS batch_counts_insert ON batches;
CREATE TRIGGER batch_counts_insert AFTER INSERT ON batches
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION batch_counts_apply();
DROP TRIGGER IF EXISTS batch_counts_update ON batches;
CREATE TRIGGER batch_counts_update AFTER UPDATE ON batches
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION batch_counts_apply();
DROP TRIGGER IF EXISTS batch_counts_delete ON batches;
CREATE TRIGGER batch_counts_delete AFTER DELETE ON batches
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION batch_counts_apply();

DELETE FROM batch_counts;
INSERT INTO batch_counts (user_id, status, n)
  SELECT user_id, status, count(*) FROM batches GROUP BY user_id, status;
