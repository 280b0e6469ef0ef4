import { notXlsx } from './messages.js';
import { SSF } from './ssf.js';
import { streamXml, type XmlHandler } from './xmlStream.js';
import type { ZipParts } from './zipParts.js';

/** The small parts of an XLSX that say where the sheets are and how their numbers look. */

export interface SheetRef {
  name: string;
  /** Zip path of the worksheet XML, e.g. `xl/worksheets/sheet1.xml`. */
  path: string;
}

export interface WorkbookInfo {
  /** In workbook order, hidden sheets included (as SheetJS lists them). */
  sheets: SheetRef[];
  date1904: boolean;
  sharedStrings: string | null;
  styles: string | null;
}

/** Runs a handler over a whole (small) part. */
async function readPart(parts: ZipParts, name: string, handler: XmlHandler<never>): Promise<void> {
  for await (const _ of streamXml(parts.chunks(name), handler)) {
    // handlers of small parts collect into their own fields
  }
}

/** A relationship target, relative to `xl/` unless absolute, as a zip path. */
function resolveTarget(target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `xl/${target}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') {
      out.pop();
    } else if (p !== '.' && p !== '') {
      out.push(p);
    }
  }
  return out.join('/');
}

async function relationships(parts: ZipParts): Promise<Map<string, { type: string; target: string }>> {
  const rels = new Map<string, { type: string; target: string }>();
  if (!parts.has('xl/_rels/workbook.xml.rels')) {
    return rels;
  }
  await readPart(parts, 'xl/_rels/workbook.xml.rels', {
    out: [],
    open(name, a) {
      if (name === 'Relationship' && a.Id !== undefined && a.Target !== undefined) {
        rels.set(a.Id, { type: a.Type ?? '', target: resolveTarget(a.Target) });
      }
    },
    close() {},
    text() {},
  });
  return rels;
}

export async function readWorkbookInfo(parts: ZipParts): Promise<WorkbookInfo> {
  const rels = await relationships(parts);
  const declared: Array<{ name: string; rid: string }> = [];
  let date1904 = false;
  await readPart(parts, 'xl/workbook.xml', {
    out: [],
    open(name, a) {
      if (name === 'sheet') {
        declared.push({ name: a.name ?? '', rid: a['r:id'] ?? a.id ?? '' });
      } else if (name === 'workbookPr') {
        date1904 = a.date1904 === '1' || a.date1904 === 'true';
      }
    },
    close() {},
    text() {},
  });
  const sheets = declared.map((s) => {
    const target = rels.get(s.rid)?.target;
    if (target === undefined) {
      throw notXlsx(` (sheet "${s.name}" has no worksheet part)`);
    }
    return { name: s.name, path: target };
  });
  const byType = (suffix: string, fallback: string): string | null => {
    const rel = [...rels.values()].find((r) => r.type.endsWith(suffix));
    const path = rel?.target ?? fallback;
    return parts.has(path) ? path : null;
  };
  return {
    sheets,
    date1904,
    sharedStrings: byType('/sharedStrings', 'xl/sharedStrings.xml'),
    styles: byType('/styles', 'xl/styles.xml'),
  };
}

/** Number format (text) of each cell style index, as SheetJS applies it. */
export type NumberFormats = (styleIndex: number) => string;

// A copy taken at load: SheetJS adds the custom formats of every .xls it reads to its global table.
const BUILT_IN_FORMATS = { ...SSF.get_table() };

export async function readNumberFormats(parts: ZipParts, path: string | null): Promise<NumberFormats> {
  const custom = new Map<number, string>();
  const xfFormats: number[] = [];
  if (path !== null) {
    let inCellXfs = false;
    await readPart(parts, path, {
      out: [],
      open(name, a) {
        if (name === 'numFmt' && a.numFmtId !== undefined && a.formatCode !== undefined) {
          custom.set(Number(a.numFmtId), a.formatCode);
        } else if (name === 'cellXfs') {
          inCellXfs = true;
        } else if (name === 'xf' && inCellXfs) {
          xfFormats.push(Number(a.numFmtId ?? 0));
        }
      },
      close(name) {
        if (name === 'cellXfs') {
          inCellXfs = false;
        }
      },
      text() {},
    });
  }
  return (styleIndex) => {
    const id = xfFormats[styleIndex] ?? 0;
    return custom.get(id) ?? BUILT_IN_FORMATS[id] ?? 'General';
  };
}
