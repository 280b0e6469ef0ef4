import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { BASE, problems } from './configTestEnv.js';

describe('webhook settings', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(BASE).webhooks).toEqual({
      retryScheduleMs: [
        0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
      ],
      timeoutMs: 15_000,
      secretOverlapMs: 86_400_000,
      disableAfterMs: 5 * 86_400_000,
      allowPrivateTargets: false,
      allowHttp: true,
      maxEndpointsPerUser: 10,
      deliverer: true,
      concurrency: 32,
      perEndpointConcurrency: 4,
      pollIntervalMs: 250,
      leaseMs: 60_000,
      deliveryRetentionMs: 30 * 86_400_000,
      publicUrl: undefined,
    });
  });

  it('reads durations, the schedule, and https-only in production unless allowed', () => {
    const config = loadConfig({
      ...BASE,
      WEBHOOK_RETRY_SCHEDULE: '0, 250ms,1.5s,2m',
      WEBHOOK_SECRET_OVERLAP: '90m',
      WEBHOOK_DISABLE_AFTER: '2d',
      WEBHOOK_DELIVERY_RETENTION: '90d',
      WEBHOOK_PUBLIC_URL: 'https://batchport.example.com/',
    }).webhooks;
    expect(config.retryScheduleMs).toEqual([0, 250, 1_500, 120_000]);
    expect(config.secretOverlapMs).toBe(90 * 60_000);
    expect(config.disableAfterMs).toBe(2 * 86_400_000);
    expect(config.deliveryRetentionMs).toBe(90 * 86_400_000);
    expect(config.publicUrl).toBe('https://batchport.example.com');
    const production = {
      ...BASE,
      NODE_ENV: 'production',
      JWT_SECRET: BASE.JWT_SECRET,
      JWT_ISSUER: 'i',
      JWT_AUDIENCE: 'a',
    };
    expect(loadConfig(production).webhooks.allowHttp).toBe(false);
    expect(loadConfig({ ...production, WEBHOOK_ALLOW_HTTP: 'true' }).webhooks.allowHttp).toBe(true);
  });

  it.each([
    [
      { WEBHOOK_RETRY_SCHEDULE: '0,5s,soon' },
      'WEBHOOK_RETRY_SCHEDULE must be 1 to 20 comma-separated durations',
    ],
    [{ WEBHOOK_SECRET_OVERLAP: '24 hours' }, 'WEBHOOK_SECRET_OVERLAP must be a duration such as 30s'],
    [{ WEBHOOK_TIMEOUT_MS: '10' }, 'WEBHOOK_TIMEOUT_MS must be at least 100'],
    [{ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'maybe' }, 'WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false'],
    [
      { WEBHOOK_TIMEOUT_MS: '15000', WEBHOOK_LEASE_MS: '15500' },
      'WEBHOOK_LEASE_MS must exceed WEBHOOK_TIMEOUT_MS',
    ],
    [{ WEBHOOK_PUBLIC_URL: 'ftp://x' }, 'WEBHOOK_PUBLIC_URL must be a URL'],
    // Less than a day would leave owners almost no log to read or replay.
    [{ WEBHOOK_DELIVERY_RETENTION: '12h' }, 'WEBHOOK_DELIVERY_RETENTION must be a duration such as 30s'],
  ])('refuses %o', (env, message) => {
    expect(problems({ ...BASE, ...env }).join('\n')).toContain(message);
  });
});
