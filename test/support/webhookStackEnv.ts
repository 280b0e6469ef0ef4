/**
 * The deliverer settings of every integration test stack that runs one. Test files share one
 * database and a deliverer claims any due delivery, so all of them must send alike: short
 * schedule and timeout, receivers on loopback.
 */
export const WEBHOOK_TIMEOUT_MS = 1_500;

export const WEBHOOK_STACK_ENV: Record<string, string> = {
  WEBHOOK_DELIVERER: 'true',
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', // the receivers are on loopback
  WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms,300ms',
  WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
  WEBHOOK_LEASE_MS: '10000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_DELIVERY_CONCURRENCY: '6',
  WEBHOOK_ENDPOINT_CONCURRENCY: '2',
};
