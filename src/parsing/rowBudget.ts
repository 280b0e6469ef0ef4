import { FileContentError } from '../errors.js';

/**
 * How many rows of a table (CSV record, worksheet row) one file may have in all, blank ones
 * included, for a limit of `maxRows` contacts. Blank rows are cheap but not free: a file of a
 * few megabytes of empty lines is millions of rows, and parsing them must stop somewhere.
 * Twice the contact limit leaves a genuine file room for blank separator lines.
 */
export function totalRowLimit(maxRows: number): number {
  return maxRows * 2;
}

/**
 * Counts every row a parser reads, blank or not, and stops the file once the count passes
 * totalRowLimit(maxRows). The contact limit itself (non-blank rows) stays in TableContactBuilder.
 */
export class RowBudget {
  private used = 0;
  readonly limit: number;

  constructor(maxRows: number) {
    this.limit = totalRowLimit(maxRows);
  }

  get count(): number {
    return this.used;
  }

  /** One more row read; throws FileContentError when it is over the limit. */
  take(): void {
    this.used++;
    if (this.used > this.limit) {
      throw new FileContentError(
        `file has more than ${this.limit.toLocaleString('en-US')} rows counting blank ones, the ` +
          'limit per file; remove the empty rows or split it into smaller files',
      );
    }
  }
}
