import iconv from 'iconv-lite';
import { ICONV_NAME, SCRIPT_OF, type TextEncoding } from './encodings.js';
import { cuedScript } from './languageCues.js';

/**
 * The legacy encoding of a sample that is not UTF-8, chosen statistically by jschardet (a port
 * of Python's chardet 7: byte-pair models per language and encoding) among TEXT_ENCODINGS only,
 * so it never answers a DOS or EBCDIC code page no contact export uses.
 *
 * Where its best candidates are about equally likely (short files: a name or two with accents
 * gives it little to go on), the file's own language cues decide: e-mail country domains and
 * phone country codes, ASCII that reads the same in every candidate (languageCues.ts), narrow
 * the near ties to their writing; then the reading that leaves no symbol inside a word wins.
 * Cues and plausibility only pick among near ties; they never override a clear detection.
 */

/** jschardet's spelling of each encoding it may answer (it also returns supersets). */
const DETECTOR_NAMES: Record<string, TextEncoding> = {
  'windows-1250': 'windows-1250',
  'windows-1251': 'windows-1251',
  'windows-1252': 'windows-1252',
  'windows-1253': 'windows-1253',
  'windows-1254': 'windows-1254',
  'windows-1257': 'windows-1257',
  // As WHATWG decoders do: Windows-1252 is ISO-8859-1 with letters where ISO has C1 controls,
  // so it reads every ISO-8859-1 file the same and 0x80-0x9F better.
  'iso-8859-1': 'windows-1252',
  'iso-8859-2': 'iso-8859-2',
  'iso8859-15': 'iso-8859-15',
  'iso-8859-15': 'iso-8859-15',
  macroman: 'macintosh',
  'mac-roman': 'macintosh',
  'koi8-r': 'koi8-r',
  shift_jis: 'shift_jis',
  cp932: 'shift_jis',
  gb18030: 'gb18030',
  big5: 'big5',
  'euc-kr': 'euc-kr',
  cp949: 'euc-kr',
};

/** What jschardet is allowed to answer: the legacy encodings (UTF-8/16 are decided before). */
const ALLOWED = [
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1257',
  'iso-8859-1',
  'iso-8859-2',
  'iso-8859-15',
  'mac-roman',
  'koi8-r',
  'shift_jis',
  'cp932',
  'gb18030',
  'big5',
  'euc-kr',
  'cp949',
];

/** A candidate this close to the best (as a share of its confidence) is a near tie. */
const NEAR_TIE = 0.75;

export interface EncodingGuess {
  encoding: TextEncoding;
  /** jschardet's confidence in it, 0..1 (low numbers are normal for short files). */
  confidence: number;
  /** Whether the file's language cues chose it among near ties. */
  byLanguageCues: boolean;
}

interface Candidate {
  encoding: TextEncoding;
  confidence: number;
}

type Detector = typeof import('jschardet');
let detector: Promise<Detector> | null = null;

/**
 * jschardet is loaded on the first legacy file, not with the parser: importing it costs ~60 ms
 * and ~15 MB, its first detection ~190 ms and ~60 MB more (its models), which a worker that only
 * ever sees UTF-8 should not pay (measured on the development container, Node 24).
 */
function loadDetector(): Promise<Detector> {
  detector ??= import('jschardet');
  return detector;
}

async function candidates(sample: Uint8Array): Promise<Candidate[]> {
  const { detectAll } = await loadDetector();
  const out: Candidate[] = [];
  for (const r of detectAll(sample, { detectEncodings: ALLOWED, minimumThreshold: 0 })) {
    const encoding = r.encoding === null ? undefined : DETECTOR_NAMES[r.encoding.toLowerCase()];
    if (encoding !== undefined && !out.some((c) => c.encoding === encoding)) {
      out.push({ encoding, confidence: r.confidence });
    }
  }
  return out;
}

/**
 * Letters that a wrong single-byte guess leaves inside words: a C1 control or U+FFFD anywhere, or
 * a non-ASCII symbol between two letters ("No‘l" is Mac Roman "Noël" read as Windows-1252).
 * The right apostrophe and the middle dot are real inside words (O’Neill, Catalan l·l).
 */
function implausible(text: string): number {
  let n = 0;
  const chars = [...text];
  const letter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const code = c.codePointAt(0)!;
    if ((code >= 0x80 && code <= 0x9f) || code === 0xfffd) {
      n++;
    } else if (code > 0x7f && !letter(c) && c !== '\u2019' && c !== '\u00b7') {
      n += letter(chars[i - 1]) && letter(chars[i + 1]) ? 1 : 0;
    }
  }
  return n;
}

/** The legacy encoding of `sample` (bytes that are not valid UTF-8). */
export async function detectLegacyEncoding(sample: Uint8Array): Promise<EncodingGuess> {
  const found = await candidates(sample);
  const best = found[0];
  if (best === undefined) {
    return { encoding: 'windows-1252', confidence: 0, byLanguageCues: false };
  }
  const ties = found.filter((c) => c.confidence >= NEAR_TIE * best.confidence);
  const script = cuedScript(Buffer.from(sample).toString('latin1'));
  const cued = script === null ? [] : ties.filter((c) => SCRIPT_OF[c.encoding] === script);
  const pool = cued.length > 0 ? cued : ties;
  // Among near ties, the reading that leaves no symbols inside words; the detector's order next.
  let chosen = pool[0]!;
  let fewest = Infinity;
  for (const c of pool) {
    const n = implausible(iconv.decode(Buffer.from(sample), ICONV_NAME[c.encoding]));
    if (n < fewest) {
      chosen = c;
      fewest = n;
    }
  }
  return { ...chosen, byLanguageCues: cued.length > 0 && SCRIPT_OF[best.encoding] !== script };
}
