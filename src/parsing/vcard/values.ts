import type { VcardProperty } from './property.js';

/** vCard value helpers: escapes, structured values (N, ADR, ORG), TYPE and PREF parameters. */

export function unescapeText(v: string): string {
  return v.replace(/\\([\\,;:nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a structured value (N, ADR, ORG) on unescaped ";" and unescapes each component. */
export function splitStructured(v: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\' && i + 1 < v.length) {
      cur += ch + v[i + 1]!;
      i++;
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((c) => unescapeText(c).trim());
}

/** TYPE parameter values in upper case ("TYPE=work,voice" and 2.1 bare "WORK;VOICE"). */
export function types(p: VcardProperty): string[] {
  return p.params
    .filter((x) => x.name === 'TYPE')
    .flatMap((x) => x.values.flatMap((v) => v.split(',')))
    .map((t) => t.trim().toUpperCase())
    .filter((t) => t.length > 0);
}

/** Lower is preferred: PREF=1 (4.0) < TYPE=pref / bare PREF (2.1, 3.0) < others in file order. */
function preference(p: VcardProperty): number {
  const pref = p.params.find((x) => x.name === 'PREF')?.values[0];
  if (pref !== undefined && /^\d+$/.test(pref)) {
    return Number(pref);
  }
  if (types(p).includes('PREF')) {
    return 1;
  }
  return 1000;
}

export function pickPreferred(props: VcardProperty[]): VcardProperty | null {
  let best: VcardProperty | null = null;
  for (const p of props) {
    if (p.rawValue.trim() === '') {
      continue;
    }
    if (!best || preference(p) < preference(best)) {
      best = p;
    }
  }
  return best;
}

/** `tel:+1-555-555-0100;ext=12` -> `+1-555-555-0100`. */
export function telValue(v: string): string {
  const t = unescapeText(v).trim();
  if (/^tel:/i.test(t)) {
    return t.slice(4).split(';')[0]!.trim();
  }
  return t;
}
