/** Rows per fixes request, JSON or CSV: a page of the table, or a CSV a person edited. */
export const MAX_FIX_ROWS = 1_000;

/** Bytes of a corrected errors.csv: 1,000 rows of the widest row the parser keeps fit well inside. */
export const MAX_FIX_CSV_BYTES = 4 * 1024 * 1024;
