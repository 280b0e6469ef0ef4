import { decodeExcelEscapes, streamXml, type XmlHandler } from './xmlStream.js';
import type { ZipParts } from './zipParts.js';

const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;

/**
 * The shared-strings table, kept compact: strings are joined in blocks of 4096 with their start
 * offsets in one typed array, so a table of millions of short strings costs its characters plus
 * 4 bytes each instead of a JS string object each. Its size is bounded by the inflated-bytes cap
 * checked before reading.
 */
export class SharedStrings {
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  private starts = new Uint32Array(BLOCK);
  private count = 0;
  private pendingChars = 0;

  add(s: string): void {
    if (this.count === this.starts.length) {
      const grown = new Uint32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count++] = this.pendingChars;
    this.pending.push(s);
    this.pendingChars += s.length;
    if (this.pending.length === BLOCK) {
      this.seal();
    }
  }

  /** Joins the strings added since the last block into one. */
  seal(): void {
    if (this.pending.length > 0) {
      this.blocks.push(this.pending.join(''));
      this.pending = [];
      this.pendingChars = 0;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The i-th string, or undefined for an index outside the table (call after `seal`). */
  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.count)) {
      return undefined;
    }
    const block = this.blocks[i >>> BLOCK_BITS];
    if (block === undefined) {
      return undefined;
    }
    const last = (i & (BLOCK - 1)) === BLOCK - 1 || i === this.count - 1;
    return block.slice(this.starts[i], last ? block.length : this.starts[i + 1]);
  }
}

/** `<si>` items: plain `<t>` or rich-text runs `<r><t>`; phonetic hints (`<rPh>`) are not text. */
class SharedStringsHandler implements XmlHandler<never> {
  readonly out: never[] = [];
  private pieces: string[] | null = null;
  private inT = false;
  private phonetic = 0;

  constructor(private readonly table: SharedStrings) {}

  open(name: string): void {
    if (name === 'si') {
      this.pieces = [];
    } else if (name === 'rPh') {
      this.phonetic++;
    } else if (name === 't' && this.phonetic === 0) {
      this.inT = true;
    }
  }

  close(name: string): void {
    if (name === 'si' && this.pieces) {
      this.table.add(decodeExcelEscapes(this.pieces.join('')));
      this.pieces = null;
    } else if (name === 'rPh') {
      this.phonetic--;
    } else if (name === 't') {
      this.inT = false;
    }
  }

  text(t: string): void {
    if (this.inT && this.pieces) {
      this.pieces.push(t);
    }
  }
}

export async function readSharedStrings(parts: ZipParts, path: string | null): Promise<SharedStrings> {
  const table = new SharedStrings();
  if (path !== null) {
    for await (const _ of streamXml(parts.chunks(path), new SharedStringsHandler(table))) {
      // the handler fills the table
    }
  }
  table.seal();
  return table;
}
