import * as XLSX from '@e965/xlsx';
import iconv from 'iconv-lite';

/**
 * A minimal Excel 5.0 (BIFF5) workbook in its OLE2 container, its text cells in a Windows code
 * page named by a CODEPAGE record, as Excel 95 and older exporters still write them. SheetJS's
 * writer cannot write one (it writes "_" for every character outside Latin-1), so the records
 * are laid out here: globals (BOF, CODEPAGE, BOUNDSHEET, EOF), then one sheet (BOF, LABELs, EOF).
 */
export function biff5Workbook(
  rows: readonly (readonly string[])[],
  codePage: number,
  sheet = 'Contacts',
): Buffer {
  const record = (type: number, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(type, 0);
    head.writeUInt16LE(data.length, 2);
    return Buffer.concat([head, data]);
  };
  const u16 = (...values: number[]) => {
    const b = Buffer.alloc(2 * values.length);
    values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
    return b;
  };
  const bof = (kind: number) => record(0x0809, u16(0x0500, kind, 0, 0));
  const eof = record(0x000a, Buffer.alloc(0));
  const text = (s: string) => iconv.encode(s, `cp${codePage}`);
  const name = text(sheet);
  const boundSheet = (offset: number) => {
    const at = Buffer.alloc(4);
    at.writeUInt32LE(offset, 0);
    return record(0x0085, Buffer.concat([at, u16(0), Buffer.from([name.length]), name]));
  };
  const head = Buffer.concat([bof(0x0005), record(0x0042, u16(codePage))]);
  // The sheet's BOF follows the globals: their length does not depend on the offset written.
  const globals = Buffer.concat([head, boundSheet(head.length + boundSheet(0).length + eof.length), eof]);
  const cells = rows.flatMap((row, r) =>
    row.map((value, c) => {
      const bytes = text(value);
      return record(0x0204, Buffer.concat([u16(r, c, 0, bytes.length), bytes]));
    }),
  );
  const cfb = XLSX.CFB.utils.cfb_new();
  XLSX.CFB.utils.cfb_add(cfb, 'Book', Buffer.concat([globals, bof(0x0010), ...cells, eof]));
  return XLSX.CFB.write(cfb, { type: 'buffer' }) as Buffer;
}
