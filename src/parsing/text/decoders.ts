import iconv from 'iconv-lite';
import { FileContentError } from '../../errors.js';
import { ICONV_NAME, type TextEncoding } from './encodings.js';
import { checkUtf8 } from './utf8.js';

/** A streaming bytes -> text decoder. */
export interface Decoder {
  /** The encoding it decodes, as reported to the user (one of TEXT_ENCODINGS). */
  encoding: TextEncoding;
  write(buf: Buffer): string;
  end(): string;
}

export function mixedEncodingError(line: number): FileContentError {
  return new FileContentError(
    `line ${line}: text is not valid UTF-8 although most of the file is; the file seems to mix ` +
      'character encodings. Save it again as "CSV UTF-8" and upload it again',
  );
}

/** Counts line breaks (LF, or CR when the text uses CR-only line endings) to name a line. */
export class LineCounter {
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

/** Streaming UTF-8 decoder that throws FileContentError (with the line) on invalid bytes. */
export function strictUtf8Decoder(lines: LineCounter): Decoder {
  const td = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let carry: Buffer = Buffer.alloc(0);
  const fail = (): never => {
    throw mixedEncodingError(lines.line());
  };
  return {
    encoding: 'utf-8',
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

export function iconvDecoder(encoding: TextEncoding): Decoder {
  const d = iconv.getDecoder(ICONV_NAME[encoding], { stripBOM: false });
  return { encoding, write: (b) => d.write(b), end: () => d.end() ?? '' };
}
