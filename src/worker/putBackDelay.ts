/** First wait of a job put back without using an attempt; doubled per try up to the cap. */
const FIRST_DELAY_MS = 1_000;
/** Short: while the job waits, whatever it waits for may already be over. */
const MAX_DELAY_MS = 15_000;

/**
 * The wait before try `tries + 1` of a job put back to `delayed` (left for a worker with its
 * store, storeCheck.ts; waiting for an earlier batch, knownCountWait.ts): 1 s doubling to 15 s,
 * plus up to half again at random, so put-back jobs never come back in lockstep.
 */
export function putBackDelayMs(tries: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** (tries - 1), MAX_DELAY_MS) * (1 + Math.random() / 2);
}
