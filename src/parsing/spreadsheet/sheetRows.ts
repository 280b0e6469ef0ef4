import { FileContentError } from '../../errors.js';
import { EXCEL_MAX_COLUMNS } from '../limits.js';
import type { SharedStrings } from './sharedStrings.js';
import { SSF } from './ssf.js';
import type { NumberFormats } from './workbookParts.js';
import { decodeExcelEscapes, streamXml, type XmlHandler } from './xmlStream.js';
import type { ZipParts } from './zipParts.js';

/** One row of a worksheet: its 0-based index and the text of its cells (trailing empties cut). */
export interface SheetRow {
  index: number;
  cells: string[];
}

export interface CellContext {
  strings: SharedStrings;
  formats: NumberFormats;
  date1904: boolean;
}

/** Column index (0-based) of a cell reference such as "AB12"; -1 when there is none. */
function columnOf(ref: string | undefined): number {
  if (ref === undefined) {
    return -1;
  }
  let col = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20; // lower case
    if (c < 0x61 || c > 0x7a) {
      break;
    }
    col = col * 26 + (c - 0x60);
  }
  return i === 0 ? -1 : col - 1;
}

/**
 * The text the user sees in a numeric cell, as SheetJS shows it: the cell's number format
 * applied, except that an integer keeps all its digits when the format is General or would show
 * it in scientific notation (a phone stored as a number must not become 4.91511E+12 or
 * 4.93E+09: the digits are in the cell, the notation would drop them).
 */
function numberText(v: number, fmt: string, date1904: boolean): string {
  const wholeInteger = Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
  if (wholeInteger && fmt.toLowerCase() === 'general') {
    return String(v);
  }
  let text: string;
  try {
    text = SSF.format(fmt, v, { date1904 });
  } catch {
    return String(v);
  }
  return wholeInteger && /\de[+-]?\d/i.test(text) ? String(v) : text;
}

/** Text of one cell from its type (`t`), style (`s`) and raw value; null = no value. */
export function cellText(
  type: string,
  style: number,
  value: string | null,
  inline: string | null,
  ctx: CellContext,
): string | null {
  switch (type) {
    case 'inlineStr':
      return inline === null ? null : decodeExcelEscapes(inline);
    case 's':
      return value === null ? null : (ctx.strings.get(Number(value)) ?? null);
    case 'str':
      return value === null ? null : decodeExcelEscapes(value);
    case 'b':
      return value === null ? null : value.trim() === '1' || value.trim() === 'true' ? 'TRUE' : 'FALSE';
    case 'e':
      return value;
    case 'd':
      return value; // ISO 8601 text; Excel itself never writes this type
    default: {
      if (value === null || value.trim() === '') {
        return null;
      }
      const n = Number(value);
      return Number.isNaN(n) ? value : numberText(n, ctx.formats(style), ctx.date1904);
    }
  }
}

/** SAX handler for `<sheetData>`: rows with `r=` or in order, cells with `r=` or in order. */
class SheetHandler implements XmlHandler<SheetRow> {
  readonly out: SheetRow[] = [];
  private rowIndex = -1;
  private cells: string[] | null = null;
  private col = -1;
  private type = 'n';
  private style = 0;
  private value: string[] | null = null;
  private inline: string[] | null = null;
  private inT = false;
  private inV = false;
  private phonetic = 0;

  constructor(private readonly ctx: CellContext) {}

  open(name: string, a: Record<string, string>): void {
    switch (name) {
      case 'row':
        this.rowIndex = a.r !== undefined ? Number(a.r) - 1 : this.rowIndex + 1;
        this.cells = [];
        this.col = -1;
        break;
      case 'c': {
        const col = columnOf(a.r);
        this.col = col >= 0 ? col : this.col + 1;
        if (this.col >= EXCEL_MAX_COLUMNS) {
          // The row's cells are an array indexed by column: `r="ZZZZZZ2"` in a 1 KB file made it
          // 300 million long, and the worker process was killed out of memory.
          throw new FileContentError(
            `cell ${a.r ?? `${this.col + 1} of row ${this.rowIndex + 1}`} is beyond Excel's last column (XFD): ` +
              'the workbook is damaged; open it in Excel and save it again',
          );
        }
        this.type = a.t ?? 'n';
        this.style = a.s !== undefined ? Number(a.s) : 0;
        this.value = null;
        this.inline = null;
        break;
      }
      case 'v':
        this.value = [];
        this.inV = true;
        break;
      case 'is':
        this.inline = [];
        break;
      case 'rPh':
        this.phonetic++;
        break;
      case 't':
        this.inT = this.inline !== null && this.phonetic === 0;
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'c':
        this.endCell();
        break;
      case 'row':
        this.endRow();
        break;
      case 'rPh':
        this.phonetic--;
        break;
      case 't':
        this.inT = false;
        break;
      case 'v':
        this.inV = false;
        break;
    }
  }

  text(t: string): void {
    if (this.inT) {
      this.inline?.push(t);
    } else if (this.inV) {
      this.value?.push(t);
    }
  }

  private endCell(): void {
    const value = this.value === null ? null : this.value.join('');
    const inline = this.inline === null ? null : this.inline.join('');
    this.value = null;
    this.inline = null;
    const text = cellText(this.type, this.style, value, inline, this.ctx);
    if (text !== null && this.cells !== null && this.col >= 0) {
      this.cells[this.col] = text;
    }
  }

  private endRow(): void {
    const cells = this.cells ?? [];
    this.cells = null;
    // Sparse rows (cells with r= gaps) get empty texts in between; trailing empties carry nothing.
    const dense = Array.from(cells, (c) => c ?? '');
    while (dense.length > 0 && dense[dense.length - 1] === '') {
      dense.pop();
    }
    this.out.push({ index: this.rowIndex, cells: dense });
  }
}

/**
 * Streams the rows of one worksheet part in order, one inflated chunk at a time. `onProgress`
 * receives the fraction of the part's bytes read.
 */
export async function* sheetRows(
  parts: ZipParts,
  path: string,
  ctx: CellContext,
  onProgress: (fraction: number) => void = () => undefined,
): AsyncGenerator<SheetRow[]> {
  const total = Math.max(parts.size(path), 1);
  let read = 0;
  yield* streamXml(parts.chunks(path), new SheetHandler(ctx), (n) => {
    read += n;
    onProgress(read / total);
  });
}
