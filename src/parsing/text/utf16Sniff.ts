/**
 * UTF-16 text without a byte order mark, recognised by the NUL pattern of text: Excel's "Unicode
 * Text" once another tool dropped its BOM, or Python's 'utf-16-le' codec, which never writes one.
 *
 * In UTF-16 every character below U+0100 (digits, delimiters, line breaks, Latin letters) has a
 * zero high byte, so NULs sit on one side of the code units: odd offsets in little endian, even
 * offsets in big endian. Characters elsewhere (CJK U+4E00 is 00 4E in little endian) put a few on
 * the other side, so the side holding most NULs decides. Binary data is told apart by decoding
 * the sample in that byte order: text has no U+0000, no other C0 control than tab, CR, LF and
 * form feed, no unpaired surrogate and no noncharacter U+FFFE/U+FFFF.
 */
export type Utf16Order = 'utf-16le' | 'utf-16be';

/** Bytes judged, from the start of the file: the upload check and the decoder judge the same. */
export const UTF16_SNIFF_BYTES = 4096;
/** How many more NULs the text side must hold than the other (CJK text puts some there too). */
const SIDE_RATIO = 4;
/**
 * Share of code units below U+0100 that text has at least: a CSV line's delimiters and line
 * break alone are more than this even in Chinese; a single-byte file with a stray NUL is far below.
 */
const MIN_TEXT_SIDE_SHARE = 0.1;
/** ... and at least this many (a lone NUL in a short single-byte file is no pattern). */
const MIN_TEXT_SIDE_NULS = 2;

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

/** Code units every contact table has in its first lines: line breaks and delimiters. */
const TABLE_UNITS = new Set([0x0a, 0x0d, 0x09, 0x2c, 0x3b, 0x7c]);

/**
 * Whether the code units look like contact text (see the module comment): no forbidden unit, and
 * at least one line break or delimiter. A surrogate pair cut by the end of the sample is fine.
 */
function looksLikeText(sample: Uint8Array, order: Utf16Order): boolean {
  const units = Math.floor(sample.length / 2);
  const unit = (i: number) =>
    order === 'utf-16le'
      ? sample[2 * i]! | (sample[2 * i + 1]! << 8)
      : (sample[2 * i]! << 8) | sample[2 * i + 1]!;
  let table = false;
  for (let i = 0; i < units; i++) {
    const u = unit(i);
    table ||= TABLE_UNITS.has(u);
    if (u < 0x20 && u !== 0x09 && u !== 0x0a && u !== 0x0c && u !== 0x0d) {
      return false;
    }
    if (u === 0xfffe || u === 0xffff || isLow(u)) {
      return false;
    }
    if (isHigh(u)) {
      if (i + 1 === units) {
        return table;
      }
      if (!isLow(unit(i + 1))) {
        return false;
      }
      i++;
    }
  }
  return table;
}

/** The byte order of BOM-less UTF-16 text in `sample` (the file's first bytes), or null. */
export function sniffUtf16(head: Uint8Array): Utf16Order | null {
  const sample = head.subarray(0, UTF16_SNIFF_BYTES);
  const units = Math.floor(sample.length / 2);
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < units; i++) {
    const even = sample[2 * i] === 0;
    const odd = sample[2 * i + 1] === 0;
    if (even && odd) {
      return null; // U+0000: no text holds it
    }
    evenNul += even ? 1 : 0;
    oddNul += odd ? 1 : 0;
  }
  const enough = Math.max(MIN_TEXT_SIDE_NULS, MIN_TEXT_SIDE_SHARE * units);
  const order: Utf16Order | null =
    oddNul >= enough && oddNul >= SIDE_RATIO * evenNul
      ? 'utf-16le'
      : evenNul >= enough && evenNul >= SIDE_RATIO * oddNul
        ? 'utf-16be'
        : null;
  return order !== null && looksLikeText(sample, order) ? order : null;
}
