export type Delimiter = ',' | ';' | '\t' | '|';
const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];

/** Lines of the sample used for delimiter detection. */
const SNIFF_LINES = 20;
/** Characters of text collected before detecting the delimiter. */
const SNIFF_CHARS = 64 * 1024;

type Counts = Record<Delimiter, number>;
const noCounts = (): Counts => ({ ',': 0, ';': 0, '\t': 0, '|': 0 });

function isCandidate(ch: string | undefined): ch is Delimiter {
  return (CANDIDATES as readonly (string | undefined)[]).includes(ch);
}

/**
 * Counts each candidate outside double quotes per non-empty line of the first SNIFF_LINES
 * lines. The last line counts only if it is complete (end of file reached).
 */
function countPerLine(sample: string, complete: boolean): Counts[] {
  const counts: Counts[] = [];
  let current = noCounts();
  let inQuotes = false;
  let nonEmpty = false;
  for (let i = 0; i < sample.length && counts.length < SNIFF_LINES; i++) {
    const ch = sample[i]!;
    if (ch === '"') {
      inQuotes = !inQuotes;
      nonEmpty = true;
    } else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (nonEmpty) {
        counts.push(current);
      }
      current = noCounts();
      nonEmpty = false;
    } else {
      if (!inQuotes && isCandidate(ch)) {
        current[ch]++;
      }
      if (ch.trim() !== '') {
        nonEmpty = true;
      }
    }
  }
  if (nonEmpty && complete && counts.length < SNIFF_LINES) {
    counts.push(current);
  }
  return counts;
}

/**
 * Picks the delimiter from the first lines (quote-aware): the candidate that appears in the
 * header line and with the same count in the most following lines; ties go to the larger count,
 * then to the order , ; tab |. Without any candidate the file is one column: ",".
 */
export function detectDelimiter(sample: string, complete = true): Delimiter {
  const counts = countPerLine(sample, complete);
  const header = counts[0];
  if (!header) {
    return ',';
  }
  let best: Delimiter = ',';
  let bestScore = -1;
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const h = header[d];
    if (h === 0) {
      continue;
    }
    const score = counts.filter((c) => c[d] === h).length;
    if (score > bestScore || (score === bestScore && h > bestCount)) {
      best = d;
      bestScore = score;
      bestCount = h;
    }
  }
  return best;
}

export interface Sniffed {
  /** The text read so far (without a "sep=" hint line); it must still be parsed. */
  sample: string;
  /** Whether `sample` is the whole text. */
  ended: boolean;
  delimiter: Delimiter;
}

/** Excel's "sep=;" first line. */
const SEP_HINT = /^sep=(.)(\r\n|\n|\r)/i;

/** Reads the first lines of the text and decides the delimiter ("sep=" hint, else counting). */
export async function sniffDelimiter(text: AsyncIterator<string>): Promise<Sniffed> {
  let sample = '';
  let ended = false;
  while (sample.length < SNIFF_CHARS && (sample.match(/\n|\r/g)?.length ?? 0) <= SNIFF_LINES) {
    const r = await text.next();
    if (r.done) {
      ended = true;
      break;
    }
    sample += r.value;
  }
  const hint = SEP_HINT.exec(sample);
  if (hint && isCandidate(hint[1])) {
    return { sample: sample.slice(hint[0].length), ended, delimiter: hint[1] };
  }
  return { sample, ended, delimiter: detectDelimiter(sample, ended) };
}
