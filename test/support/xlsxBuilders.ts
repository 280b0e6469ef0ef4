import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

/**
 * Crafted XLSX (zip) files for the parser tests, the pipeline tests and the benchmark: a minimal
 * zip writer (with optionally lying sizes) and a streaming deflater for zip bombs.
 */

export interface ZipEntry {
  name: string;
  /** Raw content (deflated here) ... */
  data?: Buffer;
  /** ... or already-deflated content with its real size and CRC. */
  deflated?: { bytes: Buffer; size: number; crc: number };
  /** Sizes written to the headers instead of the real ones (lying archive). */
  declaredSize?: number;
}

export function buildZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const comp = e.deflated ?? {
      bytes: deflateRawSync(e.data ?? Buffer.alloc(0)),
      size: (e.data ?? Buffer.alloc(0)).length,
      crc: crc32(e.data ?? Buffer.alloc(0)),
    };
    const usz = e.declaredSize ?? comp.size;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0, 6);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(0, 10);
    lh.writeUInt32LE(comp.crc >>> 0, 14);
    lh.writeUInt32LE(comp.bytes.length, 18);
    lh.writeUInt32LE(usz, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    locals.push(lh, name, comp.bytes);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0, 8);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(0, 12);
    ch.writeUInt32LE(comp.crc >>> 0, 16);
    ch.writeUInt32LE(comp.bytes.length, 20);
    ch.writeUInt32LE(usz, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += 30 + name.length + comp.bytes.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;

export const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
export const SHEET_TAIL = '</sheetData></worksheet>';

/**
 * A structurally valid XLSX whose first sheet is `sheetXml` (raw or pre-deflated), plus `parts`
 * (e.g. `xl/sharedStrings.xml`, found at its default path without a relationship).
 */
export function buildXlsx(
  sheet: Pick<ZipEntry, 'data' | 'deflated' | 'declaredSize'>,
  parts: ZipEntry[] = [],
): Buffer {
  return buildZip([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(RELS) },
    { name: 'xl/workbook.xml', data: Buffer.from(WORKBOOK) },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(WORKBOOK_RELS) },
    { name: 'xl/worksheets/sheet1.xml', ...sheet },
    ...parts,
  ]);
}

/** Deflates `head + repeat * count + tail` as a stream (never holds the inflated content). */
export async function deflateRepeated(
  head: string,
  repeat: string,
  count: number,
  tail: string,
): Promise<{ bytes: Buffer; size: number; crc: number }> {
  const d = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    d.on('end', resolve);
    d.on('error', reject);
  });
  const unit = Buffer.from(repeat.repeat(Math.max(1, Math.floor((1 << 20) / repeat.length))));
  const perUnit = Math.max(1, Math.floor((1 << 20) / repeat.length));
  let crc = crc32(head);
  let size = Buffer.byteLength(head);
  d.write(head);
  let left = count;
  while (left > 0) {
    const n = Math.min(left, perUnit);
    const piece = n === perUnit ? unit : Buffer.from(repeat.repeat(n));
    crc = crc32(piece, crc);
    size += piece.length;
    if (!d.write(piece)) {
      await new Promise((r) => d.once('drain', r));
    }
    left -= n;
  }
  crc = crc32(tail, crc);
  size += Buffer.byteLength(tail);
  d.end(tail);
  await done;
  return { bytes: Buffer.concat(out), size, crc };
}

/** A small XLSX whose sheet inflates to ~200 MB (4M tiny rows): the zip bomb of the tests and bench. */
export async function zipBombXlsx(): Promise<{ bytes: Buffer; inflatedBytes: number }> {
  const deflated = await deflateRepeated(
    SHEET_HEAD,
    '<row><c t="inlineStr"><is><t>lol</t></is></c></row>',
    4_000_000,
    SHEET_TAIL,
  );
  return { bytes: buildXlsx({ deflated }), inflatedBytes: deflated.size };
}
