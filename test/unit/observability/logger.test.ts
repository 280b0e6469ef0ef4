import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFormat } from '../../../src/observability/logger.js';

const root = path.resolve(import.meta.dirname, '../../..');

/** Logs one line through createLogger in a child process (a transport writes from its own thread). */
function logLine(format: 'json' | 'pretty'): string {
  const script = `
    import { createLogger } from './src/observability/logger.ts';
    const logger = createLogger('info', 'api', '${format}');
    logger.info({ headers: { authorization: 'Bearer secret-token' } }, 'server listening');
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe('log format', () => {
  it('is pretty only at a terminal under auto, and as set otherwise', () => {
    expect(logFormat('auto', true)).toBe('pretty');
    expect(logFormat('auto', false)).toBe('json');
    expect(logFormat('auto', undefined)).toBe('json');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat('pretty', false)).toBe('pretty');
  });

  it('writes JSON lines by default and readable lines when pretty, redacting tokens in both', () => {
    const json = logLine('json');
    expect(JSON.parse(json)).toMatchObject({ msg: 'server listening', role: 'api', level: 30 });
    const pretty = logLine('pretty');
    expect(() => JSON.parse(pretty) as unknown).toThrow();
    expect(pretty).toMatch(/INFO.*server listening/);
    for (const out of [json, pretty]) {
      expect(out).toContain('[redacted]');
      expect(out).not.toContain('secret-token');
    }
  });
});
