import { FileContentError } from '../errors.js';
import { LABEL, headProblem, markupProblem, vcardStartProblem } from './content/headChecks.js';
import { bomOf } from './content/signatures.js';
import { ZipNameScanner } from './content/zipNames.js';
import { sniffUtf16 } from './text/utf16Sniff.js';
import type { FileFormat } from './types.js';

/**
 * Checks, while an upload streams in, that the content matches the file extension. O(1) memory:
 * it keeps the first HEAD_BYTES bytes, a few flags and a short tail for substring search.
 *
 * - `.xlsx`: starts with a zip local header and the archive names `[Content_Types].xml` and
 *   `xl/workbook.*` (names are in the local headers and again in the central directory).
 * - `.xls`: starts with the OLE2/CFB signature.
 * - `.csv .txt .vcf`: text — no NUL bytes (no NUL code units in UTF-16 text: after a UTF-16 BOM
 *   or, for .csv/.txt, when the first HEAD_BYTES have the NUL pattern of UTF-16 text), no known
 *   binary signature (also not behind a BOM); a `.vcf` starts with BEGIN:VCARD (after an optional BOM
 *   and whitespace); a `.csv`/`.txt` is no markup document or `#!` script.
 */
export interface ContentInspector {
  update(chunk: Buffer): void;
  finish(): void;
}

const HEAD_BYTES = 4096;
/** Bytes needed before the head is judged (the longest signature is 8 bytes). */
const HEAD_CHECK_BYTES = 16;
/** Bytes needed before a .vcf head is judged (BOM, blank lines, then BEGIN:VCARD). */
const VCARD_CHECK_BYTES = 64;

class Inspector implements ContentInspector {
  private head = Buffer.alloc(0);
  private total = 0;
  private headChecked = false;
  private vcardChecked = false;
  private markupChecked = false;
  /** UTF-16 text: the last byte of a chunk that ended mid code unit. */
  private oddByte: number | null = null;
  /** Whether the first two bytes (a possible UTF-16 BOM) were seen. */
  private bomKnown = false;
  /** UTF-16 text (by its BOM, or by the NULs of its head): NUL is judged per code unit. */
  private utf16 = false;
  /** Whether NULs can no longer be UTF-16 text without a BOM (decided at HEAD_BYTES). */
  private headJudged = false;
  /** A NUL byte was seen in a file without a UTF-16 BOM before the head was judged. */
  private nulInHead = false;
  private failed: FileContentError | null = null;
  private readonly textFormat: boolean;
  private readonly zipNames: ZipNameScanner | null;

  constructor(private readonly format: FileFormat) {
    this.textFormat = format === 'csv' || format === 'txt' || format === 'vcf';
    this.zipNames = format === 'xlsx' ? new ZipNameScanner() : null;
  }

  update(chunk: Buffer): void {
    if (this.failed) {
      throw this.failed;
    }
    if (chunk.length === 0) {
      return;
    }
    this.total += chunk.length;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    if (this.textFormat) {
      this.checkNulBytes(chunk);
    }
    this.zipNames?.update(chunk);
    if (!this.headChecked && this.head.length >= HEAD_CHECK_BYTES) {
      this.headChecked = true;
      this.checkHead();
    }
    if (this.format === 'vcf' && !this.vcardChecked && this.head.length >= VCARD_CHECK_BYTES) {
      this.vcardChecked = true;
      this.check(vcardStartProblem(this.head, false));
    }
    if (!this.markupChecked && this.head.length >= HEAD_BYTES) {
      this.markupChecked = true;
      this.check(markupProblem(this.head, this.format));
    }
  }

  finish(): void {
    if (this.failed) {
      throw this.failed;
    }
    if (this.total === 0) {
      this.fail('file is empty');
    }
    if (!this.headChecked) {
      this.headChecked = true;
      this.checkHead();
    }
    if (this.textFormat && !this.bomKnown && this.head.includes(0)) {
      this.nulError();
    }
    if (this.textFormat && this.bomKnown && !this.headJudged) {
      this.judgeHeadNuls(null, 0);
    }
    if (this.format === 'vcf') {
      this.check(vcardStartProblem(this.head, true));
    }
    if (!this.markupChecked) {
      this.markupChecked = true;
      this.check(markupProblem(this.head, this.format));
    }
    if (this.zipNames) {
      this.check(this.zipNames.problem());
    }
  }

  /**
   * Text without a UTF-16 BOM has no NUL byte, unless it is UTF-16 whose BOM was dropped: NULs in
   * the head of a .csv/.txt are judged once the head is complete (utf16Sniff.ts). A known
   * signature gives a better message than "binary".
   */
  private checkNulBytes(chunk: Buffer): void {
    const start = this.total - chunk.length;
    if (!this.bomKnown && this.head.length >= 2) {
      this.bomKnown = true;
      const bom = bomOf(this.head);
      this.utf16 = bom === 'utf-16le' || bom === 'utf-16be';
      this.headJudged = this.utf16;
    }
    if (this.utf16) {
      this.checkUtf16Nul(chunk, start);
      return;
    }
    const hasNul = chunk.includes(0);
    if (hasNul && (this.headJudged || this.format === 'vcf')) {
      this.binaryError();
    }
    this.nulInHead ||= hasNul;
    if (!this.headJudged && this.head.length >= HEAD_BYTES) {
      this.judgeHeadNuls(chunk, start);
    }
  }

  /**
   * Once the head is complete (or the file ended): NULs in it are UTF-16 text without a BOM, or
   * binary. From then on UTF-16 is checked code unit by code unit, from the end of the head.
   */
  private judgeHeadNuls(chunk: Buffer | null, start: number): void {
    this.headJudged = true;
    if (!this.nulInHead) {
      return;
    }
    if (sniffUtf16(this.head) === null) {
      this.binaryError();
    }
    this.utf16 = true;
    const from = this.head.length - start;
    if (chunk !== null && from < chunk.length) {
      this.checkUtf16Nul(chunk.subarray(from), this.head.length);
    }
  }

  /** UTF-16 text never holds U+0000; binary data behind a UTF-16 BOM soon does. */
  private checkUtf16Nul(chunk: Buffer, start: number): void {
    // Code units start at even offsets; a chunk may begin with the second byte of one.
    let i = start % 2;
    if (i === 1 && this.oddByte === 0 && chunk[0] === 0) {
      this.binaryError();
    }
    for (; i + 1 < chunk.length; i += 2) {
      if (chunk[i] === 0 && chunk[i + 1] === 0) {
        this.binaryError();
      }
    }
    this.oddByte = (start + chunk.length) % 2 === 1 ? (chunk.at(-1) ?? null) : null;
  }

  private binaryError(): never {
    this.checkHead();
    return this.nulError();
  }

  private checkHead(): void {
    this.check(headProblem(this.head, this.format));
  }

  private nulError(): never {
    return this.fail(`content is binary data, not ${LABEL[this.format]} (it contains NUL bytes)`);
  }

  private check(problem: string | null): void {
    if (problem !== null) {
      this.fail(problem);
    }
  }

  private fail(message: string): never {
    this.failed = new FileContentError(message);
    throw this.failed;
  }
}

export function createContentInspector(format: FileFormat): ContentInspector {
  return new Inspector(format);
}
