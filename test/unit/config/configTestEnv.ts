import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

/** The smallest environment loadConfig accepts. */
export const BASE = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  // 32 random bytes (hex): strong enough for production too (src/config/secretStrength.ts).
  JWT_SECRET: '4ce3a96d15fe6e9c8e7bc878309b9699a8e79624f016b965adc4806c96c4d0df',
};

/** The problems loadConfig reports for `env`; fails the test when it reports none. */
export function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
