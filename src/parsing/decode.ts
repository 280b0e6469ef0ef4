import iconv from 'iconv-lite';
import { FileContentError } from '../errors.js';
import { ENCODING_SAMPLE_BYTES } from './limits.js';

/**
 * Text decoding for CSV/TXT uploads.
 *
 * Detection, in order:
 * 1. BOM: EF BB BF -> UTF-8, FF FE -> UTF-16 LE, FE FF -> UTF-16 BE (BOM removed).
 * 2. NUL bytes in the sample without a BOM -> not text (FileContentError).
 * 3. Bytes up to the first non-ASCII byte are ASCII and decode the same in every candidate
 *    encoding, so the decision is taken where the first non-ASCII byte appears: the next
 *    ENCODING_SAMPLE_BYTES (64 KiB) from there are checked; valid UTF-8 -> UTF-8, otherwise
 *    Windows-1252. A multi-byte sequence cut by the end of the sample counts as valid.
 * 4. Once UTF-8 was chosen, a later invalid byte is NOT replaced silently with U+FFFD: the file
 *    mixes encodings and the user gets an error naming the line.
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Result of checking a buffer for UTF-8 validity. */
export interface Utf8Check {
  /** Index of the first invalid byte, or -1 when everything is valid. */
  invalidAt: number;
  /** Bytes at the end forming an incomplete (but so far valid) sequence. */
  incompleteTail: number;
  /** Whether any byte >= 0x80 was seen. */
  nonAscii: boolean;
}

/**
 * Validates UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF). An incomplete sequence
 * at the very end is reported in `incompleteTail`, not as invalid.
 */
export function checkUtf8(buf: Uint8Array, start = 0): Utf8Check {
  let i = start;
  let nonAscii = false;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    nonAscii = true;
    let need: number;
    let min2 = 0x80;
    let max2 = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) {
        min2 = 0xa0;
      } else if (b === 0xed) {
        max2 = 0x9f;
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) {
        min2 = 0x90;
      } else if (b === 0xf4) {
        max2 = 0x8f;
      }
    } else {
      return { invalidAt: i, incompleteTail: 0, nonAscii };
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) {
        return { invalidAt: -1, incompleteTail: n - i, nonAscii };
      }
      const c = buf[i + k]!;
      const lo = k === 1 ? min2 : 0x80;
      const hi = k === 1 ? max2 : 0xbf;
      if (c < lo || c > hi) {
        return { invalidAt: i, incompleteTail: 0, nonAscii };
      }
    }
    i += need + 1;
  }
  return { invalidAt: -1, incompleteTail: 0, nonAscii };
}

/**
 * Valid multi-byte sequences next to invalid bytes from which a file counts as "mixed" (UTF-8
 * with some Windows-1252 rows) rather than Windows-1252 that happens to contain a UTF-8-looking
 * pair such as "Ã©".
 */
const MIXED_THRESHOLD = 3;

function mixedEncodingError(line: number): FileContentError {
  return new FileContentError(
    `line ${line}: text is not valid UTF-8 although most of the file is; the file seems to mix ` +
      'character encodings. Save it again as "CSV UTF-8" and upload it again',
  );
}

/** Like checkUtf8 but scans the whole buffer, counting valid multi-byte sequences. */
export function scanUtf8(buf: Uint8Array): {
  invalidAt: number;
  incompleteTail: number;
  validMultibyte: number;
} {
  let invalidAt = -1;
  let validMultibyte = 0;
  let i = 0;
  for (;;) {
    const c = checkUtf8(buf, i);
    // Count valid sequences in [i, end of valid part).
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

function firstNonAscii(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i]! >= 0x80) {
      return i;
    }
  }
  return -1;
}

/** Counts line breaks (LF, or CR when the text uses CR-only line endings) to name a line. */
class LineCounter {
  private lf = 0;
  private cr = 0;
  add(buf: Uint8Array, end = buf.length): void {
    for (let i = 0; i < end; i++) {
      const b = buf[i];
      if (b === 0x0a) {
        this.lf++;
      } else if (b === 0x0d) {
        this.cr++;
      }
    }
  }
  line(): number {
    return (this.lf > 0 ? this.lf : this.cr) + 1;
  }
}

interface Decoder {
  write(buf: Buffer): string;
  end(): string;
}

/** Streaming UTF-8 decoder that throws FileContentError (with the line) on invalid bytes. */
function strictUtf8Decoder(lines: LineCounter): Decoder {
  const td = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let carry: Buffer = Buffer.alloc(0);
  const fail = (): never => {
    throw mixedEncodingError(lines.line());
  };
  return {
    write(buf) {
      const whole = carry.length > 0 ? Buffer.concat([carry, buf]) : buf;
      const check = checkUtf8(whole);
      if (check.invalidAt >= 0) {
        lines.add(whole, check.invalidAt);
        fail();
      }
      const cut = whole.length - check.incompleteTail;
      carry = Buffer.from(whole.subarray(cut));
      lines.add(whole, cut);
      return td.decode(whole.subarray(0, cut), { stream: true });
    },
    end() {
      if (carry.length > 0) {
        fail();
      }
      return td.decode();
    },
  };
}

function iconvDecoder(encoding: 'utf-16le' | 'utf-16be' | 'windows-1252'): Decoder {
  const d = iconv.getDecoder(encoding, { stripBOM: false });
  return { write: (b) => d.write(b), end: () => d.end() ?? '' };
}

export interface DecodeResult {
  /** Set once known (after the first bytes, or at the first non-ASCII byte). */
  encoding(): TextEncoding | 'ascii';
}

/**
 * Decodes a byte stream to text chunks with encoding detection (see the module comment).
 * `info.encoding()` reports the decision taken so far.
 */
export function decodeText(input: AsyncIterable<Buffer>): {
  text: AsyncGenerator<string>;
  info: DecodeResult;
} {
  let chosen: TextEncoding | 'ascii' = 'ascii';
  const info: DecodeResult = { encoding: () => chosen };

  async function* run(): AsyncGenerator<string> {
    const it = input[Symbol.asyncIterator]();
    let buf: Buffer = Buffer.alloc(0);
    let eof = false;
    const readMore = async (): Promise<void> => {
      const r = await it.next();
      if (r.done) {
        eof = true;
        return;
      }
      const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
    };
    const fillTo = async (n: number): Promise<void> => {
      while (buf.length < n && !eof) {
        await readMore();
      }
    };

    try {
      await fillTo(ENCODING_SAMPLE_BYTES);
      let decoder: Decoder | null = null;
      const lines = new LineCounter();

      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        chosen = 'utf-8';
        buf = buf.subarray(3);
        decoder = strictUtf8Decoder(lines);
      } else if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
        chosen = 'utf-16le';
        buf = buf.subarray(2);
        decoder = iconvDecoder('utf-16le');
      } else if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
        chosen = 'utf-16be';
        buf = buf.subarray(2);
        decoder = iconvDecoder('utf-16be');
      } else if (buf.includes(0)) {
        throw new FileContentError(
          'file is not a text file: it contains binary data (NUL bytes). Upload a CSV or TXT file ' +
            '(UTF-16 text needs a byte order mark: Excel\'s "Unicode Text" format has one)',
        );
      }

      if (decoder === null) {
        // ASCII so far: pass ASCII through until the first non-ASCII byte, then decide.
        for (;;) {
          const idx = firstNonAscii(buf);
          if (idx < 0) {
            if (buf.length > 0) {
              lines.add(buf);
              yield buf.toString('latin1');
            }
            buf = Buffer.alloc(0);
            if (eof) {
              break;
            }
            await readMore();
            continue;
          }
          if (idx > 0) {
            lines.add(buf, idx);
            yield buf.toString('latin1', 0, idx);
            buf = buf.subarray(idx);
          }
          await fillTo(ENCODING_SAMPLE_BYTES);
          const sample = buf.subarray(0, ENCODING_SAMPLE_BYTES);
          const scan = scanUtf8(sample);
          // An incomplete sequence at the end of the file is invalid, at the sample edge it is not.
          const valid =
            scan.invalidAt < 0 && (!eof || scan.incompleteTail === 0 || sample.length < buf.length);
          if (valid) {
            chosen = 'utf-8';
            decoder = strictUtf8Decoder(lines);
          } else if (scan.validMultibyte >= MIXED_THRESHOLD) {
            // Plenty of real UTF-8 next to invalid bytes: a mixed file, not Windows-1252.
            lines.add(buf, scan.invalidAt < 0 ? buf.length : scan.invalidAt);
            throw mixedEncodingError(lines.line());
          } else {
            chosen = 'windows-1252';
            decoder = iconvDecoder('windows-1252');
          }
          break;
        }
      }

      if (decoder !== null) {
        if (buf.length > 0) {
          const s = decoder.write(buf);
          if (s.length > 0) {
            yield s;
          }
        }
        buf = Buffer.alloc(0);
        while (!eof) {
          await readMore();
          if (buf.length > 0) {
            const s = decoder.write(buf);
            buf = Buffer.alloc(0);
            if (s.length > 0) {
              yield s;
            }
          }
        }
        const tail = decoder.end();
        if (tail.length > 0) {
          yield tail;
        }
      }
    } finally {
      if (!eof) {
        await it.return?.();
      }
    }
  }

  return { text: run(), info };
}
