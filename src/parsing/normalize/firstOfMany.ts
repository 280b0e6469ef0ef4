/** Several values in one cell (Google Contacts uses " ::: "). The first one is used. */
export function firstOfMany(value: string, separators: RegExp): string {
  return value.split(separators)[0]!.trim();
}
