import { isAddressField, type BaseSynonym, type ContactField, type Group } from './fields.js';
import { ADDRESS_SYNONYMS } from './synonyms/address.js';
import { CONTACT_DETAIL_SYNONYMS } from './synonyms/contactDetails.js';
import { FILLER_WORDS, GROUP_PRIORITY, GROUP_WORDS } from './synonyms/groups.js';
import { NAME_SYNONYMS } from './synonyms/names.js';
import { ORGANISATION_SYNONYMS } from './synonyms/organisation.js';

/** Keys are normalised headers (see normalizeHeader) joined without spaces. */
const BASE = new Map<string, BaseSynonym>([
  ...NAME_SYNONYMS,
  ...CONTACT_DETAIL_SYNONYMS,
  ...ORGANISATION_SYNONYMS,
  ...ADDRESS_SYNONYMS,
]);

export interface ColumnMatch extends BaseSynonym {
  column: number;
  /** Address group key (fields of one address are taken together). */
  addressGroup?: string;
}

/** Lower-case words without accents or punctuation: "E-mail 1 - Value" -> ["email","1","value"]. */
export function normalizeHeader(header: string): string[] {
  return header
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’`\-_.]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

interface HeaderWords {
  /** The first group word ("Business", "geschäftlich"), if any. */
  group: Group | null;
  /** The first number ("Phone 2"), 0 when none. */
  index: number;
  /** Whether that number is the header's last word ("Business Street 2"). */
  indexIsLast: boolean;
  /** The remaining words, filler words dropped. */
  rest: string[];
}

function splitHeaderWords(words: readonly string[]): HeaderWords {
  const out: HeaderWords = { group: null, index: 0, indexIsLast: false, rest: [] };
  for (const [i, w] of words.entries()) {
    const g = GROUP_WORDS.get(w);
    if (g && out.group === null) {
      out.group = g;
    } else if (/^\d+$/.test(w)) {
      if (out.index === 0) {
        out.index = Number(w);
        out.indexIsLast = i === words.length - 1;
      }
    } else if (!FILLER_WORDS.has(w)) {
      out.rest.push(w);
    }
  }
  return out;
}

function withAddressGroup(m: ColumnMatch, group: Group | 'none', index: number): ColumnMatch {
  if (!isAddressField(m.field)) {
    return m;
  }
  return {
    ...m,
    priority: GROUP_PRIORITY.address[group] + Math.min(index, 99) * 0.01,
    addressGroup: `${group}#${index}`,
  };
}

/** The match of a header whose group words and number were removed before the lookup. */
function groupedMatch(base: BaseSynonym, parts: HeaderWords, column: number): ColumnMatch | null {
  const { group, index } = parts;
  const step = Math.min(index, 99) * 0.01;
  const field: ContactField = base.field;
  if (field === 'phone') {
    const p = base.priority === 1.5 || group !== null ? GROUP_PRIORITY.phone[group ?? 'none'] : base.priority;
    return { field: 'phone', priority: p + step, column };
  }
  if (field === 'email') {
    return { field: 'email', priority: GROUP_PRIORITY.email[group ?? 'none'] + step, column };
  }
  if (isAddressField(field)) {
    // "Business Street 2" / "Address 2" are more lines of one address; "Address 2 - Street"
    // (Google) is a second address.
    if (parts.indexIsLast) {
      const m = withAddressGroup({ ...base, column }, group ?? 'none', 0);
      return { ...m, priority: m.priority + step / 100 };
    }
    return withAddressGroup({ ...base, column }, group ?? 'none', index);
  }
  // Names, company and title carry no group ("Business Name" is handled as an exact synonym).
  if (group !== null) {
    return null;
  }
  return { ...base, priority: base.priority + step, column };
}

/**
 * Maps one header to a field, or null when it is not a contact field (kept in `original`):
 * the whole header is looked up first, then the header without group words and numbers.
 */
export function matchHeader(header: string, column = 0): ColumnMatch | null {
  const words = normalizeHeader(header);
  if (words.length === 0) {
    return null;
  }
  const exact = BASE.get(words.join(''));
  if (exact) {
    return withAddressGroup({ ...exact, column }, 'none', 0);
  }
  const parts = splitHeaderWords(words);
  let base = parts.rest.length > 0 ? BASE.get(parts.rest.join('')) : undefined;
  if (!base && parts.rest.length === 0 && parts.group === 'mobile') {
    base = { field: 'phone', priority: 0 };
  }
  return base ? groupedMatch(base, parts, column) : null;
}
