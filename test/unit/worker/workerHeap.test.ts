import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HEAP_BASE_MB,
  HEAP_PER_JOB_MB,
  WORKER_NODE_FLAGS,
  heapWarning,
  workerNodeFlagsFor,
} from '../../../src/worker/workerHeap.js';

const MB = 1024 * 1024;

describe('the worker role V8 heap flags', () => {
  it('`npm run worker` starts the worker with every one of them', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const words = pkg.scripts['worker']!.split(/\s+/);
    expect(words.slice(-1)).toEqual(['dist/bin/worker.js']);
    for (const flag of WORKER_NODE_FLAGS) {
      expect(words).toContain(flag);
    }
  });

  it('leave room for the default concurrency (2) and up to 3 jobs at once', () => {
    const oldSpaceMb = Number(
      WORKER_NODE_FLAGS.find((f) => f.startsWith('--max-old-space-size='))!.split('=')[1],
    );
    expect(HEAP_BASE_MB + 3 * HEAP_PER_JOB_MB).toBeLessThanOrEqual(oldSpaceMb);
    expect(heapWarning(2, oldSpaceMb * MB)).toBeNull();
    expect(heapWarning(3, oldSpaceMb * MB)).toBeNull();
  });

  it('warns, naming the flag to set, when the concurrency outgrows the heap', () => {
    expect(heapWarning(4, 256 * MB)).toBe(
      'WORKER_CONCURRENCY=4 needs about 320 MB of V8 heap, but this process has 256 MB: ' +
        'start it with --max-old-space-size=320 (or lower WORKER_CONCURRENCY)',
    );
    expect(heapWarning(4, 320 * MB)).toBeNull();
    expect(heapWarning(32, 2112 * MB)).toBeNull();
    expect(heapWarning(32, 2111 * MB)).not.toBeNull();
  });

  it('are raised for a launcher that knows its concurrency, never lowered', () => {
    expect(workerNodeFlagsFor(2)).toEqual([...WORKER_NODE_FLAGS]);
    expect(workerNodeFlagsFor(4)).toEqual(['--max-semi-space-size=8', '--max-old-space-size=320']);
    expect(heapWarning(4, 320 * MB)).toBeNull();
  });
});
