-- The cells of an invalid row in file order (issue #21: invalid-rows and errors.csv list them as
-- the file had them). jsonb sorts an object's keys (by length, then bytes); json keeps the text as
-- written, so the order survives. Nothing queries inside these columns, so json loses nothing.
-- Rewrites both tables once; rows stored before keep the order jsonb gave them.
ALTER TABLE batch_invalid_rows ALTER COLUMN original DROP DEFAULT;
ALTER TABLE batch_invalid_rows ALTER COLUMN original TYPE json USING original::json;
ALTER TABLE batch_invalid_rows ALTER COLUMN original SET DEFAULT '{}'::json;
ALTER TABLE batch_row_fixes ALTER COLUMN original DROP DEFAULT;
ALTER TABLE batch_row_fixes ALTER COLUMN original TYPE json USING original::json;
ALTER TABLE batch_row_fixes ALTER COLUMN original SET DEFAULT '{}'::json;
