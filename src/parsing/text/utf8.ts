/** UTF-8 validation on bytes, shared by the text decoder and the vCard reader. */

/** Result of checking a buffer for UTF-8 validity. */
export interface Utf8Check {
  /** Index of the first invalid byte, or -1 when everything is valid. */
  invalidAt: number;
  /** Bytes at the end forming an incomplete (but so far valid) sequence. */
  incompleteTail: number;
}

/** Continuation-byte count and the allowed range of the first continuation byte, by lead byte. */
function leadByte(b: number): { need: number; min2: number; max2: number } | null {
  if (b >= 0xc2 && b <= 0xdf) {
    return { need: 1, min2: 0x80, max2: 0xbf };
  }
  if (b >= 0xe0 && b <= 0xef) {
    // E0: no overlongs; ED: no UTF-16 surrogates.
    return { need: 2, min2: b === 0xe0 ? 0xa0 : 0x80, max2: b === 0xed ? 0x9f : 0xbf };
  }
  if (b >= 0xf0 && b <= 0xf4) {
    // F0: no overlongs; F4: nothing above U+10FFFF.
    return { need: 3, min2: b === 0xf0 ? 0x90 : 0x80, max2: b === 0xf4 ? 0x8f : 0xbf };
  }
  return null;
}

/**
 * Validates UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF). An incomplete sequence
 * at the very end is reported in `incompleteTail`, not as invalid.
 */
export function checkUtf8(buf: Uint8Array, start = 0): Utf8Check {
  const n = buf.length;
  let i = start;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const lead = leadByte(b);
    if (lead === null) {
      return { invalidAt: i, incompleteTail: 0 };
    }
    for (let k = 1; k <= lead.need; k++) {
      if (i + k >= n) {
        return { invalidAt: -1, incompleteTail: n - i };
      }
      const c = buf[i + k]!;
      const lo = k === 1 ? lead.min2 : 0x80;
      const hi = k === 1 ? lead.max2 : 0xbf;
      if (c < lo || c > hi) {
        return { invalidAt: i, incompleteTail: 0 };
      }
    }
    i += lead.need + 1;
  }
  return { invalidAt: -1, incompleteTail: 0 };
}

/** Like checkUtf8 but scans the whole buffer, counting valid multi-byte sequences. */
export function scanUtf8(buf: Uint8Array): Utf8Check & { validMultibyte: number } {
  let invalidAt = -1;
  let validMultibyte = 0;
  let i = 0;
  for (;;) {
    const c = checkUtf8(buf, i);
    // Count valid sequences (their lead bytes) in [i, end of valid part).
    const end = c.invalidAt >= 0 ? c.invalidAt : buf.length - c.incompleteTail;
    for (let k = i; k < end; k++) {
      if (buf[k]! >= 0xc0) {
        validMultibyte++;
      }
    }
    if (c.invalidAt < 0) {
      return { invalidAt, incompleteTail: c.incompleteTail, validMultibyte };
    }
    if (invalidAt < 0) {
      invalidAt = c.invalidAt;
    }
    i = c.invalidAt + 1;
  }
}

export function firstNonAscii(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i]! >= 0x80) {
      return i;
    }
  }
  return -1;
}
