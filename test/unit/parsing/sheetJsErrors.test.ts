import * as XLSX from '@e965/xlsx';
import { describe, expect, it } from 'vitest';
import { isSheetJsEncryptionError } from '../../../src/parsing/spreadsheet/sheetJsErrors.js';
import { fixture, parseError } from './helpers.js';

/**
 * The LibreOffice-written XLS fixture with a BIFF8 FilePass record (the record Excel writes
 * into an encrypted XLS) inserted right after the workbook's BOF record.
 */
function passwordProtectedXls(): Buffer {
  const cfb = XLSX.CFB.read(fixture('libreoffice-contacts.xls'), { type: 'buffer' });
  const stream = XLSX.CFB.find(cfb, 'Workbook');
  if (!stream) {
    throw new Error('the XLS fixture has no Workbook stream');
  }
  const content = Buffer.from(stream.content as Uint8Array);
  const afterBof = 4 + content.readUInt16LE(2);
  const filePass = Buffer.alloc(10);
  filePass.writeUInt16LE(0x002f, 0); // FilePass
  filePass.writeUInt16LE(6, 2);
  filePass.writeUInt16LE(0, 4); // XOR obfuscation
  stream.content = Buffer.concat([content.subarray(0, afterBof), filePass, content.subarray(afterBof)]);
  stream.size = stream.content.length;
  return XLSX.CFB.write(cfb, { type: 'buffer' }) as Buffer;
}

/** The error the installed SheetJS really throws for `buf`. */
function sheetJsError(buf: Buffer): unknown {
  try {
    XLSX.read(buf, { type: 'buffer' });
  } catch (e) {
    return e;
  }
  throw new Error('SheetJS read the workbook without an error');
}

describe('SheetJS error classifier', () => {
  it('recognises the real SheetJS error for a password-protected XLS', () => {
    const err = sheetJsError(passwordProtectedXls());
    expect(err).toBeInstanceOf(Error);
    expect(isSheetJsEncryptionError(err)).toBe(true);
  });

  it('does not take the real SheetJS error for a damaged XLS as encryption', () => {
    const damaged = Buffer.from(fixture('libreoffice-contacts.xls'));
    damaged.fill(0xff, 512, 4096); // destroys the CFB directory and FAT sectors
    const err = sheetJsError(damaged);
    expect(err).toBeInstanceOf(Error);
    expect(isSheetJsEncryptionError(err)).toBe(false);
  });

  it('turns a password-protected XLS upload into the password message', async () => {
    expect(await parseError(passwordProtectedXls(), 'xls')).toBe(
      'the workbook is password-protected; remove the password in Excel and upload it again',
    );
  });
});
