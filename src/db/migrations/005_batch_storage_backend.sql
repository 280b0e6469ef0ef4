-- Which store holds each batch's file, so that deployments sharing the queue and the database
-- but not the storage (a move from local disk to SeaweedFS, a misconfigured worker) never take
-- each other's batches for lost files. `storage_backend` is 'local' or 'seaweedfs';
-- `storage_store` tells two stores of one backend apart: the SeaweedFS bucket, or the id a
-- local storage root keeps in its `.batchport-store-id` file (two disks mounted at the same
-- path on two hosts are different stores).
--
-- Rows written before this migration keep NULL in both: nothing in the database says where
-- their file is, so any worker may process them, as before (docs/reliability.md, "limits").
ALTER TABLE batches ADD COLUMN IF NOT EXISTS storage_backend text
  CHECK (storage_backend IN ('local', 'seaweedfs'));
ALTER TABLE batches ADD COLUMN IF NOT EXISTS storage_store text;
ALTER TABLE batches ADD CONSTRAINT batches_storage_store_pair
  CHECK ((storage_backend IS NULL) = (storage_store IS NULL));

-- A deleted batch's file is removed by a process that has its store (the sweeper of a worker
-- configured with it), never "removed" from another store and forgotten.
ALTER TABLE batch_deletions ADD COLUMN IF NOT EXISTS storage_backend text;
ALTER TABLE batch_deletions ADD COLUMN IF NOT EXISTS storage_store text;
