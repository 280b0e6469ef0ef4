import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

/** The smallest environment loadConfig accepts. */
export const BASE = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  JWT_SECRET: 's'.repeat(40),
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
