import { describe, expect, it } from 'vitest';
import { compareStreamIds, parseStreamId } from '../../../src/events/eventStreamKeys.js';

describe('stream ids (Last-Event-ID is untrusted text)', () => {
  it('parses <ms>-<seq> and nothing else', () => {
    expect(parseStreamId('1700000000000-3')).toEqual({ ms: 1700000000000n, seq: 3n });
    for (const bad of [
      '',
      '1',
      '1-',
      '-1',
      '1-2-3',
      ' 1-2',
      '1-2\n',
      'a-b',
      '1.5-2',
      '18446744073709551616-0',
    ]) {
      expect(parseStreamId(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('compares by time, then sequence, exactly beyond 2^53', () => {
    expect(compareStreamIds('1-0', '2-0')).toBeLessThan(0);
    expect(compareStreamIds('2-0', '1-9')).toBeGreaterThan(0);
    expect(compareStreamIds('5-2', '5-10')).toBeLessThan(0);
    expect(compareStreamIds('7-7', '7-7')).toBe(0);
    expect(compareStreamIds('9007199254740993-0', '9007199254740992-0')).toBeGreaterThan(0);
    expect(() => compareStreamIds('x', '1-0')).toThrow('not a stream id: x');
  });
});
