import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib/data.js';
import { normalizePhone, normalizePhoneUncached } from '../../../src/parsing/normalize/phone.js';

const REGIONS = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'CA', 'us', 'XX'];
const CODES = ['1', '44', '49', '33', '91', '55', '81', '7', '86', '61', '353', '971'];

/** Realistic and hostile phone cells: national and international forms, 00 prefixes, noise. */
function phoneCell(next: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const r = next();
  const code = CODES[Math.floor(next() * CODES.length)]!;
  if (r < 0.25) {
    return `+${code} ${digits(3)} ${digits(3)} ${digits(2 + Math.floor(next() * 4))}`;
  }
  if (r < 0.45) {
    return `(${digits(3)}) ${digits(3)}-${digits(4)}`;
  }
  if (r < 0.6) {
    return `0${digits(2 + Math.floor(next() * 3))} ${digits(5 + Math.floor(next() * 4))}`;
  }
  if (r < 0.7) {
    return `00${code} ${digits(8 + Math.floor(next() * 4))}`;
  }
  if (r < 0.8) {
    return `${code}${digits(8 + Math.floor(next() * 5))}`;
  }
  if (r < 0.85) {
    return `${digits(1 + Math.floor(next() * 16))}`;
  }
  if (r < 0.9) {
    return `+${code} ${digits(4)} ${digits(4)} ::: +1 ${digits(10)}`;
  }
  if (r < 0.95) {
    return `tel. ${digits(3)}.${digits(3)}.${digits(4)} ext ${digits(3)}`;
  }
  return ['n/a', '—', '+', '()', 'call me', '+1 800 FLOWERS', '12ab'][Math.floor(next() * 7)]!;
}

describe('normalizePhone cache', () => {
  it('gives exactly the uncached result for 40k generated numbers across regions, through hits and evictions', () => {
    const next = rng(13);
    // 15k texts (more than the cache holds) under random regions: most also occur under other regions, so a cache key
    // that forgot the region would hand out another region's answer.
    const texts = Array.from({ length: 15_000 }, () => phoneCell(next));
    const cells = Array.from({ length: 40_000 }, () => ({
      raw: texts[Math.floor(next() * texts.length)]!,
      region: REGIONS[Math.floor(next() * REGIONS.length)]!,
    }));
    const expected = cells.map((c) => normalizePhoneUncached(c.raw, c.region));
    // Each number is asked about twice, in a random order: hits, misses after eviction (the cache
    // holds 10,000), and the same text under another region all occur.
    const order = [...cells.keys(), ...cells.keys()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let differences = 0;
    for (const i of order) {
      const got = normalizePhone(cells[i]!.raw, cells[i]!.region);
      const want = expected[i]!;
      if (got.phone !== want.phone || got.issue !== want.issue) {
        differences++;
      }
    }
    expect(differences).toBe(0);
    // The generated set exercises both outcomes, so equality is not trivially "all invalid".
    const parsed = expected.filter((r) => r.phone !== null).length;
    expect(parsed).toBeGreaterThan(10_000);
    expect(expected.length - parsed).toBeGreaterThan(10_000);
  }, 300_000);

  it('keys on the region: the same national number differs between DE and US', () => {
    expect(normalizePhone('030 1234567', 'DE').phone).toBe('+49301234567');
    expect(normalizePhone('030 1234567', 'US').phone).toBeNull();
    expect(normalizePhone('030 1234567', 'DE').phone).toBe('+49301234567');
  });
});
