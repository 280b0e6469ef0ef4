import { FileContentError } from '../../errors.js';
import { formatMegabytes } from '../limits.js';

/** File signatures and the errors shared by the spreadsheet checks. */

export const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
export const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export const notXlsx = (detail = '') => new FileContentError(`file is not a valid XLSX workbook${detail}`);
export const notXls = (detail = '') => new FileContentError(`file is not a valid XLS workbook${detail}`);
export const passwordProtected = () =>
  new FileContentError(
    'the workbook is password-protected; remove the password in Excel and upload it again',
  );

export function tooBig(cap: number): FileContentError {
  return new FileContentError(
    `file expands to more than ${formatMegabytes(cap)} when unpacked; it is not a normal contact ` +
      'workbook (split it into smaller files or save it as CSV)',
  );
}
