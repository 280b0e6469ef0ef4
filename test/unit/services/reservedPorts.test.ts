import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseReservedPorts,
  reserveStackPorts,
  stackPorts,
  withReservedPorts,
} from '../../../scripts/services/reservedPorts.js';

describe('reserved ports (net.ipv4.ip_local_reserved_ports)', () => {
  it('reads the kernel format into merged ranges', () => {
    expect(parseReservedPorts('')).toEqual([]);
    expect(parseReservedPorts('58335,58333-58334, 9000\n')).toEqual([
      [9000, 9000],
      [58333, 58335],
    ]);
    expect(() => parseReservedPorts('80,abc')).toThrow(/unexpected entry "abc"/);
  });

  it("adds ports and keeps the machine's own reservations", () => {
    expect(withReservedPorts('', [58334, 58333, 59042])).toBe('58333-58334,59042');
    expect(withReservedPorts('8080,58340-58350', [58333, 58334, 58339, 8080])).toBe(
      '8080,58333-58334,58339-58350',
    );
  });

  it('covers every port of the default stack', () => {
    const ports = stackPorts();
    expect(ports).toEqual(
      expect.arrayContaining([55432, 56379, 58333, 58336, 48337, 58337, 59042, 57000, 57199]),
    );
    expect(ports).toHaveLength(15);
  });

  it('writes the merged list, keeping what was there', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reserved-ports-'));
    const file = path.join(dir, 'ip_local_reserved_ports');
    fs.writeFileSync(file, '8080\n');
    const first = reserveStackPorts(file);
    expect(first.before).toBe('8080');
    expect(fs.readFileSync(file, 'utf8')).toBe(`${first.after}\n`);
    expect(parseReservedPorts(first.after)).toContainEqual([8080, 8080]);
    expect(reserveStackPorts(file)).toEqual({ before: first.after, after: first.after });
    fs.rmSync(dir, { recursive: true });
  });
});
