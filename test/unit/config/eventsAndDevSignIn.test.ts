import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { BASE, problems } from './configTestEnv.js';

const DEV_SECRET = 'batchport-dev-only-jwt-secret-do-not-use-in-production';
const PRODUCTION = { NODE_ENV: 'production', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' };

describe('event stream settings', () => {
  it('default to a 15 s heartbeat, 1000 streams per process and 10 per user', () => {
    expect(loadConfig(BASE).events).toEqual({
      heartbeatMs: 15_000,
      maxStreams: 1_000,
      maxStreamsPerUser: 10,
    });
  });

  it('are read from the environment and refused out of range', () => {
    const env = {
      ...BASE,
      EVENTS_HEARTBEAT_MS: '250',
      EVENTS_MAX_STREAMS: '5',
      EVENTS_MAX_STREAMS_PER_USER: '2',
    };
    expect(loadConfig(env).events).toEqual({ heartbeatMs: 250, maxStreams: 5, maxStreamsPerUser: 2 });
    expect(problems({ ...BASE, EVENTS_HEARTBEAT_MS: '10' })).toEqual([
      'EVENTS_HEARTBEAT_MS must be at least 100',
    ]);
    expect(problems({ ...BASE, EVENTS_MAX_STREAMS_PER_USER: '0' })).toEqual([
      'EVENTS_MAX_STREAMS_PER_USER must be at least 1',
    ]);
  });
});

describe('dev sign-in', () => {
  it('is on only with the development secret outside production', () => {
    expect(loadConfig({ ...BASE, JWT_SECRET: DEV_SECRET }).auth.devSignIn).toBe(true);
    expect(loadConfig({ ...BASE, JWT_SECRET: DEV_SECRET, NODE_ENV: 'test' }).auth.devSignIn).toBe(true);
    expect(loadConfig(BASE).auth.devSignIn).toBe(false);
    expect(loadConfig({ ...BASE, ...PRODUCTION }).auth.devSignIn).toBe(false);
    // Production with the development secret does not start at all.
    expect(problems({ ...BASE, ...PRODUCTION, JWT_SECRET: DEV_SECRET })).toEqual([
      'JWT_SECRET is a development or placeholder secret; production needs a real one',
    ]);
  });
});
