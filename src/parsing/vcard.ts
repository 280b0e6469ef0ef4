/**
 * Streaming vCard 2.1 / 3.0 / 4.0 reader.
 *
 * Why hand-written: the npm vCard packages either read one card at a time from a string
 * (vcard-parser, vcf), do not handle vCard 2.1 QUOTED-PRINTABLE with CHARSET and soft line
 * breaks (which Android and older Nokia/Outlook exports use), or are unmaintained for years
 * (vcard-json, vcards-js is a writer). None streams, so a 10 MB file with embedded photos would
 * be held in memory several times over. The subset needed here (unfolding, parameters, escapes,
 * QP + charset, a handful of properties) is small enough to own and test.
 *
 * Work is done on bytes: lines are split and unfolded as bytes and every value is decoded with
 * its own CHARSET (default UTF-8, Windows-1252 when the bytes are not UTF-8). A logical line is
 * kept up to MAX_VCARD_LINE_BYTES; the rest (typically an inline PHOTO) is discarded while
 * streaming, so memory stays bounded.
 */
import iconv from 'iconv-lite';
import { FileContentError } from '../errors.js';
import { tooManyRows, type RowOptions } from './tabular.js';
import type { RawContact } from './normalizeContact.js';
import { cardToContact } from './vcard/cardToRow.js';
import { LineAssembler, PhysicalLines } from './vcard/lines.js';
import { parsePropertyLine, type VcardProperty } from './vcard/property.js';

/**
 * Re-encodes UTF-16 (with BOM) input to UTF-8 and strips a UTF-8 BOM; reports the file's
 * encoding (UTF-8 unless a UTF-16 BOM says otherwise; a value's own CHARSET still applies).
 */
async function* utf8Bytes(
  input: AsyncIterable<Buffer>,
  onEncoding: (encoding: string) => void,
): AsyncGenerator<Buffer> {
  let decoder: iconv.DecoderStream | null = null;
  let first = true;
  for await (const chunk of input) {
    let c = chunk;
    if (first) {
      first = false;
      const utf16 =
        c.length >= 2 && c[0] === 0xff && c[1] === 0xfe
          ? 'utf-16le'
          : c.length >= 2 && c[0] === 0xfe && c[1] === 0xff
            ? 'utf-16be'
            : null;
      onEncoding(utf16 ?? 'utf-8');
      if (utf16 !== null) {
        decoder = iconv.getDecoder(utf16);
      } else if (c.length >= 3 && c[0] === 0xef && c[1] === 0xbb && c[2] === 0xbf) {
        c = c.subarray(3);
      }
    }
    yield decoder ? Buffer.from(decoder.write(c), 'utf8') : c;
  }
  if (decoder) {
    const tail = decoder.end();
    if (tail) {
      yield Buffer.from(tail, 'utf8');
    }
  }
}

const MAX_PROPERTIES_PER_CARD = 2000;
const TOO_MANY_PROPERTIES = 'too many properties; the rest were ignored';

/**
 * Groups properties into cards (BEGIN:VCARD … END:VCARD; nested cards, e.g. an AGENT, are
 * ignored) and turns each non-empty card into a row, ready to be taken from `ready`.
 */
class CardCollector {
  readonly ready: RawContact[] = [];
  /** Non-empty cards seen. */
  cards = 0;
  sawCard = false;
  private props: VcardProperty[] | null = null;
  private issues: string[] = [];
  private nested = 0;

  constructor(private readonly opts: RowOptions) {}

  add(prop: VcardProperty): void {
    const value = prop.rawValue.trim().toUpperCase();
    if (prop.name === 'BEGIN' && value === 'VCARD') {
      this.begin();
    } else if (prop.name === 'END' && value === 'VCARD') {
      if (this.nested > 0) {
        this.nested--;
      } else {
        this.finishCard();
      }
    } else if (this.props && this.nested === 0) {
      this.addToCard(this.props, prop);
    }
  }

  /** End of input: an unterminated card still counts, with an issue. */
  end(): void {
    if (this.props) {
      this.issues.push('the card is not terminated (END:VCARD is missing)');
      this.finishCard();
    }
  }

  private begin(): void {
    this.sawCard = true;
    if (this.props) {
      this.nested++;
    } else {
      this.props = [];
      this.issues = [];
    }
  }

  private addToCard(props: VcardProperty[], prop: VcardProperty): void {
    if (props.length < MAX_PROPERTIES_PER_CARD) {
      props.push(prop);
    } else if (!this.issues.includes(TOO_MANY_PROPERTIES)) {
      this.issues.push(TOO_MANY_PROPERTIES);
    }
  }

  private finishCard(): void {
    const props = this.props;
    if (!props) {
      return;
    }
    this.props = null;
    const hasContent = props.some(
      (p) => !['VERSION', 'BEGIN', 'END'].includes(p.name) && p.rawValue.trim() !== '',
    );
    if (!hasContent) {
      return; // an empty card is skipped like a blank row
    }
    this.cards++;
    if (this.cards > this.opts.maxRows) {
      throw tooManyRows(this.opts.maxRows);
    }
    this.ready.push(cardToContact(props, this.cards, this.issues));
  }
}

export async function* parseVcard(
  input: AsyncIterable<Buffer>,
  opts: RowOptions,
): AsyncGenerator<RawContact> {
  const collector = new CardCollector(opts);
  const lines = new PhysicalLines(
    new LineAssembler((line) => {
      const prop = parsePropertyLine(line);
      if (prop) {
        collector.add(prop);
      }
    }),
  );
  for await (const chunk of utf8Bytes(input, (encoding) => (opts.details.encoding = encoding))) {
    lines.write(chunk);
    yield* takeAll(collector.ready);
  }
  lines.finish();
  collector.end();
  yield* takeAll(collector.ready);
  if (!collector.sawCard) {
    throw new FileContentError('no contacts found: the file contains no vCard (BEGIN:VCARD … END:VCARD)');
  }
  if (collector.cards === 0) {
    throw new FileContentError('no contacts found: every vCard in the file is empty');
  }
}

function* takeAll<T>(queue: T[]): Generator<T> {
  while (queue.length > 0) {
    yield queue.shift()!;
  }
}
