/** Lower-case name particles that belong to the last name ("Ludwig van Beethoven"). */
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'la',
  'le',
  'ter',
  'ten',
  'zu',
  'dos',
  'das',
  'y',
]);

/** Splits "Last, First" or "First Middle Last" into first and last name. */
export function splitFullName(full: string): { firstName: string | null; lastName: string | null } {
  const comma = full.indexOf(',');
  if (comma > 0) {
    const last = full.slice(0, comma).trim();
    const first = full.slice(comma + 1).trim();
    return { firstName: first || null, lastName: last || null };
  }
  const words = full.split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) {
    return { firstName: null, lastName: null };
  }
  if (words.length === 1) {
    return { firstName: words[0]!, lastName: null };
  }
  let lastStart = words.length - 1;
  while (lastStart > 1 && PARTICLES.has(words[lastStart - 1]!)) {
    lastStart--;
  }
  return { firstName: words[0]!, lastName: words.slice(lastStart).join(' ') };
}
