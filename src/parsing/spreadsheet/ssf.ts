import * as XLSX from '@e965/xlsx';

/** SheetJS's number formatter (SSF), typed: its type declarations leave it as `any`. */
interface Ssf {
  format(fmt: string | number, value: unknown, opts?: { date1904?: boolean }): string;
  get_table(): Record<number, string | undefined>;
}

export const SSF = XLSX.SSF as Ssf;
