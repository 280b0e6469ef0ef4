import type { DeliveryState } from '../domain/webhook.js';

/** What one attempt brought back (see sender.ts). */
export interface AttemptOutcome {
  statusCode: number | null;
  retryAfter: string | null;
}

export interface NextStep {
  state: DeliveryState;
  nextAttemptAt: Date | null;
  /** The attempt counts against the endpoint (anything but 2xx). */
  failed: boolean;
  disableReason: string | null;
}

/** Statuses whose Retry-After is honoured (Standard Webhooks; RFC 9110). */
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);
/** A Retry-After is followed up to this long; longer ones are cut to it. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
/** Each retry's delay moves by up to ±10 %, so failed deliveries of one moment spread out. */
const JITTER = 0.1;

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: Date): number | null {
  if (value === null || value.trim() === '') {
    return null;
  }
  if (/^\d+$/.test(value.trim())) {
    return Math.min(Number(value.trim()) * 1000, MAX_RETRY_AFTER_MS);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.min(Math.max(0, date - now.getTime()), MAX_RETRY_AFTER_MS);
}

/**
 * What follows an attempt. 2xx: delivered. 410: the receiver is gone, the delivery fails and
 * the endpoint is disabled. Anything else (3xx included: redirects are not followed, network
 * errors, timeouts, refused targets): the next step of `scheduleMs` with jitter, or Retry-After
 * for 429/502/503/504; after the schedule's last step, `failed`.
 *
 * `attemptsBefore` counts this round's attempts before this one (schedule[0] was the first's).
 */
export function nextStep(
  outcome: AttemptOutcome,
  attemptsBefore: number,
  scheduleMs: readonly number[],
  now: Date,
  random: () => number = Math.random,
): NextStep {
  const status = outcome.statusCode;
  if (status !== null && status >= 200 && status < 300) {
    return { state: 'delivered', nextAttemptAt: null, failed: false, disableReason: null };
  }
  if (status === 410) {
    return {
      state: 'failed',
      nextAttemptAt: null,
      failed: true,
      disableReason: 'the receiver answered 410 Gone; enable the endpoint again to resume',
    };
  }
  const done = attemptsBefore + 1;
  if (done >= scheduleMs.length) {
    return { state: 'failed', nextAttemptAt: null, failed: true, disableReason: null };
  }
  const asked =
    status !== null && RETRY_AFTER_STATUSES.has(status) ? retryAfterMs(outcome.retryAfter, now) : null;
  const scheduled = scheduleMs[done]!;
  const delay = asked ?? Math.round(scheduled * (1 - JITTER + 2 * JITTER * random()));
  return {
    state: 'pending',
    nextAttemptAt: new Date(now.getTime() + delay),
    failed: true,
    disableReason: null,
  };
}
