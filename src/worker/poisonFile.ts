/**
 * Shown on a batch whose file killed its worker `maxStalledCount` times: written by the job that
 * sees the last stall (batchJobSteps) and by the worker's `failed` handler (startWorker).
 */
export const POISON_FILE_MESSAGE =
  'processing stopped repeatedly while reading this file; split it into smaller files and upload again';
