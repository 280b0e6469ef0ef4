import { createHash } from 'node:crypto';
import type { ColumnMapping } from '../types.js';

/**
 * Remembered mappings (issue #21): a mapping a user sent is kept under the fingerprint of the
 * file's header row, and a later file with the same headers, in any column order, is read with it.
 *
 * The fingerprint is of the SET of normalised column names (NFKC, lower case, runs of white
 * space as one space, trimmed), so a matching file has every header the saved mapping names:
 * a saved mapping can never refer to a column the file lacks, and each of the file's columns
 * finds its field by its own normalised name. A header row in which two names normalise alike
 * ("Phone" and "PHONE") has no fingerprint: which of the two a saved entry meant would be a
 * guess, so such a file is neither remembered nor matched (the synonyms read it).
 */

/** Where the mapping a file is read with came from. */
export type MappingSource = 'request' | 'saved' | 'synonyms';

/** A saved mapping as the parser is given it: plain data (it is cloned to parse threads). */
export interface SavedMappingCandidate {
  id: string;
  fingerprint: string;
  /** Normalised column name -> field (null: not a field), one entry per column of the header set. */
  fields: ColumnMapping;
}

export function normaliseColumnName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** SHA-256 (hex) of the sorted normalised names; null when two names normalise alike. */
export function headerFingerprint(names: readonly string[]): string | null {
  const normal = names.map(normaliseColumnName);
  if (new Set(normal).size !== normal.length) {
    return null;
  }
  return createHash('sha256')
    .update(JSON.stringify([...normal].sort()))
    .digest('hex');
}

/** A mapping keyed by the file's own column names -> the same keyed by normalised names. */
export function normalisedFields(names: readonly string[], mapping: ColumnMapping): ColumnMapping {
  return Object.fromEntries(
    names.map((name) => [
      normaliseColumnName(name),
      Object.hasOwn(mapping, name) ? (mapping[name] ?? null) : null,
    ]),
  );
}

export interface MappingChoice {
  /** The mapping to read the rows with, keyed by this file's column names; null: the synonyms. */
  override: ColumnMapping | null;
  source: MappingSource;
  savedMappingId: string | null;
}

/**
 * The uploader's mapping when sent; else the saved mapping whose fingerprint is this header
 * row's, laid over this file's own column names; else the synonyms.
 */
export function chooseMapping(
  names: readonly string[],
  requested: ColumnMapping | null,
  saved: readonly SavedMappingCandidate[],
): MappingChoice {
  if (requested) {
    return { override: requested, source: 'request', savedMappingId: null };
  }
  const fingerprint = saved.length > 0 ? headerFingerprint(names) : null;
  const match = fingerprint === null ? undefined : saved.find((s) => s.fingerprint === fingerprint);
  if (!match) {
    return { override: null, source: 'synonyms', savedMappingId: null };
  }
  const override = Object.fromEntries(
    names.map((name) => {
      const key = normaliseColumnName(name);
      return [name, Object.hasOwn(match.fields, key) ? (match.fields[key] ?? null) : null];
    }),
  );
  return { override, source: 'saved', savedMappingId: match.id };
}
