import { FileContentError } from '../../errors.js';
import { ENCODING_SAMPLE_BYTES } from '../limits.js';
import { ByteReader } from './byteReader.js';
import {
  LineCounter,
  iconvDecoder,
  mixedEncodingError,
  strictUtf8Decoder,
  type Decoder,
} from './decoders.js';
import { detectLegacyEncoding } from './detectEncoding.js';
import type { TextEncoding } from './encodings.js';
import { sniffUtf16 } from './utf16Sniff.js';
import { firstNonAscii, scanUtf8 } from './utf8.js';

/**
 * Text decoding for CSV/TXT uploads.
 *
 * Detection, in order:
 * 1. BOM: EF BB BF -> UTF-8, FF FE -> UTF-16 LE, FE FF -> UTF-16 BE (BOM removed).
 * 2. NUL bytes in the sample without a BOM: UTF-16 LE/BE when the NULs sit where text puts them
 *    (utf16Sniff.ts), else not text (FileContentError).
 * 3. Bytes up to the first non-ASCII byte are ASCII and decode the same in every candidate
 *    encoding, so the decision is taken where the first non-ASCII byte appears: the next
 *    ENCODING_SAMPLE_BYTES (64 KiB) from there are checked; valid UTF-8 -> UTF-8, otherwise the
 *    legacy encoding found by detectEncoding.ts (jschardet among TEXT_ENCODINGS, near ties
 *    decided by the file's language cues). A multi-byte sequence cut by the end of the sample
 *    counts as valid.
 * 4. Once UTF-8 was chosen, a later invalid byte is NOT replaced silently with U+FFFD: the file
 *    mixes encodings and the user gets an error naming the line.
 */

/**
 * Valid multi-byte sequences next to invalid bytes from which a file counts as "mixed" (UTF-8
 * with some Windows-1252 rows) rather than Windows-1252 that happens to contain a UTF-8-looking
 * pair such as "Ã©".
 */
const MIXED_THRESHOLD = 3;

/** Step 1 and 2: a decoder chosen by the byte order mark (BOM dropped) or UTF-16's NULs, or null. */
function decoderFromBom(reader: ByteReader, lines: LineCounter): Decoder | null {
  const b = reader.buf;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    reader.skip(3);
    return strictUtf8Decoder(lines);
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) {
    reader.skip(2);
    return iconvDecoder('utf-16le');
  }
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    reader.skip(2);
    return iconvDecoder('utf-16be');
  }
  if (b.includes(0)) {
    // No BOM but NULs: UTF-16 text whose BOM was dropped, or binary data.
    const order = sniffUtf16(b);
    if (order !== null) {
      return iconvDecoder(order);
    }
    throw new FileContentError(
      'file is not a text file: it contains binary data (NUL bytes) and does not read as UTF-16 ' +
        'text either. Upload a CSV or TXT file',
    );
  }
  return null;
}

/**
 * Step 3: yields the ASCII prefix as it is, then picks the decoder from the sample starting at
 * the first non-ASCII byte. Returns null when the whole input is ASCII (already yielded).
 */
async function* asciiUntilDecision(
  reader: ByteReader,
  lines: LineCounter,
): AsyncGenerator<string, Decoder | null> {
  for (;;) {
    const idx = firstNonAscii(reader.buf);
    if (idx < 0) {
      const ascii = reader.take();
      if (ascii.length > 0) {
        lines.add(ascii);
        yield ascii.toString('latin1');
      }
      if (reader.eof) {
        return null;
      }
      await reader.readMore();
      continue;
    }
    if (idx > 0) {
      lines.add(reader.buf, idx);
      yield reader.buf.toString('latin1', 0, idx);
      reader.skip(idx);
    }
    await reader.fillTo(ENCODING_SAMPLE_BYTES);
    return await decoderFromSample(reader, lines);
  }
}

/**
 * UTF-8 when the sample at the first non-ASCII byte is valid UTF-8, else the legacy encoding the
 * detector finds (detectEncoding.ts).
 */
async function decoderFromSample(reader: ByteReader, lines: LineCounter): Promise<Decoder> {
  const sample = reader.buf.subarray(0, ENCODING_SAMPLE_BYTES);
  const scan = scanUtf8(sample);
  // An incomplete sequence at the end of the file is invalid, at the sample edge it is not.
  const cutBySample = !reader.eof || scan.incompleteTail === 0 || sample.length < reader.buf.length;
  if (scan.invalidAt < 0 && cutBySample) {
    return strictUtf8Decoder(lines);
  }
  const guess = await detectLegacyEncoding(sample);
  if (scan.validMultibyte >= MIXED_THRESHOLD && !MULTI_BYTE.has(guess.encoding)) {
    // Plenty of real UTF-8 next to invalid bytes: a mixed file, not a single-byte code page.
    // (East Asian double-byte text forms UTF-8-looking pairs by chance; the detector knows it.)
    lines.add(reader.buf, scan.invalidAt < 0 ? reader.buf.length : scan.invalidAt);
    throw mixedEncodingError(lines.line());
  }
  return iconvDecoder(guess.encoding);
}

/** Encodings of two bytes per character, whose pairs may look like UTF-8 sequences. */
const MULTI_BYTE: ReadonlySet<TextEncoding> = new Set(['shift_jis', 'gb18030', 'big5', 'euc-kr']);

/** The decoder for an encoding the user chose; a byte order mark of that encoding is dropped. */
function requestedDecoder(reader: ByteReader, encoding: TextEncoding, lines: LineCounter): Decoder {
  const bom = reader.buf;
  const utf8Bom = bom.length >= 3 && bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf;
  if (encoding === 'utf-8') {
    reader.skip(utf8Bom ? 3 : 0);
    return strictUtf8Decoder(lines);
  }
  const le = bom.length >= 2 && bom[0] === 0xff && bom[1] === 0xfe;
  const be = bom.length >= 2 && bom[0] === 0xfe && bom[1] === 0xff;
  reader.skip((encoding === 'utf-16le' && le) || (encoding === 'utf-16be' && be) ? 2 : 0);
  return iconvDecoder(encoding);
}

/** Step 4: decodes everything left in the reader and the input. */
async function* decodeRest(reader: ByteReader, decoder: Decoder): AsyncGenerator<string> {
  for (;;) {
    const chunk = reader.take();
    if (chunk.length > 0) {
      const s = decoder.write(chunk);
      if (s.length > 0) {
        yield s;
      }
    }
    if (reader.eof) {
      break;
    }
    await reader.readMore();
  }
  const tail = decoder.end();
  if (tail.length > 0) {
    yield tail;
  }
}

/**
 * Decodes a byte stream to text chunks with encoding detection (see the module comment), or in
 * the `requested` encoding (the user's override: no detection at all).
 * `onEncoding` hears the decision: an all-ASCII file is reported as utf-8 (it is valid UTF-8).
 */
export async function* decodeText(
  input: AsyncIterable<Buffer>,
  onEncoding: (encoding: TextEncoding) => void = () => undefined,
  requested: TextEncoding | null = null,
): AsyncGenerator<string> {
  const reader = new ByteReader(input);
  try {
    await reader.fillTo(ENCODING_SAMPLE_BYTES);
    const lines = new LineCounter();
    if (requested !== null) {
      const decoder = requestedDecoder(reader, requested, lines);
      onEncoding(decoder.encoding);
      yield* decodeRest(reader, decoder);
      return;
    }
    const fromBom = decoderFromBom(reader, lines);
    if (fromBom === null) {
      // Decided at the first non-ASCII byte; until then (or for ever) the text reads as UTF-8.
      onEncoding('utf-8');
    }
    const decoder = fromBom ?? (yield* asciiUntilDecision(reader, lines));
    if (decoder !== null) {
      onEncoding(decoder.encoding);
      yield* decodeRest(reader, decoder);
    }
  } finally {
    await reader.close();
  }
}
