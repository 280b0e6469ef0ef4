import { createUserSlots } from '../concurrency/userSlots.js';
import { PreviewsBusyError, TooManyPreviewsError } from '../errors.js';

export interface PreviewLimits {
  /** Previews in progress in this process (PREVIEW_MAX_CONCURRENT). */
  maxConcurrent: number;
  /** Previews of one user in progress in this process (PREVIEW_MAX_PER_USER). */
  maxPerUser: number;
}

export type PreviewSlots = ReturnType<typeof createPreviewSlots>;

/**
 * Admission of previews in one API process. A preview holds a parse thread (or a place in its
 * queue), up to 10 MB of the upload and the parser's memory, so both counts are capped: the total
 * protects the process, the per-user cap keeps one user from taking every slot. A page previews
 * one file at a time per drop.
 */
export function createPreviewSlots(limits: PreviewLimits) {
  const slots = createUserSlots({
    total: limits.maxConcurrent,
    perUser: limits.maxPerUser,
    userFull: () =>
      new TooManyPreviewsError(
        `too many previews in progress for this user (${limits.maxPerUser} at a time); wait for one to finish`,
      ),
    processFull: () =>
      new PreviewsBusyError('the server is busy with other previews; retry in a few seconds'),
  });
  return {
    /** Takes a slot, or throws 429 (this user has too many) / 503 (the process is full). */
    acquire: (userId: string) => slots.acquire(userId),
    inProgress: () => slots.held(),
  };
}
