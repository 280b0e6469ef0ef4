import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { MappedFields } from './headerSynonyms.js';
import { regionOfCountry } from './normalize/country.js';

/**
 * A file's own region, for phone numbers written without a country code when the uploader
 * chose no `phoneRegion` (issue 22, class 4). Without it every such number is read in the
 * deployment's default region, and a foreign local number that happens to fit that region's
 * pattern becomes a wrong number.
 *
 * Evidence, per row: a phone written with its country code (`+49 …`, `0049 …`), the row's
 * country cell, and an e-mail address under a country domain (`.de`). Votes are counted per
 * calling code (the US and Canada share +1 and read local numbers alike); the region reported is
 * the one most named under the winning code.
 * - clear: the winning code has >= MIN_VOTES votes and >= CLEAR_SHARE of all -> inferred;
 * - conflict: >= CONFLICT_VOTES votes and no code has CLEAR_SHARE -> no region at all: a local
 *   number gets null and an issue rather than a guess;
 * - otherwise (no or too little evidence): the default region, as before.
 */
export const MIN_VOTES = 2;
export const CLEAR_SHARE = 0.8;
export const CONFLICT_VOTES = 3;

/** Country domains used as generic names (example.io, brand.co, x.ai): no evidence. */
const GENERIC_CC_TLDS = new Set([
  'co',
  'io',
  'me',
  'tv',
  'ai',
  'fm',
  'ly',
  'ws',
  'cc',
  'to',
  'gg',
  'sh',
  'ac',
  'la',
  'vc',
  'so',
  'im',
]);

export interface RegionEvidence {
  region: string;
  phones: number;
  countries: number;
  emails: number;
}

export interface RegionInference {
  status: 'inferred' | 'conflict' | 'none';
  /** The region phone numbers without a country code are read in; null for `none` and `conflict`. */
  region: string | null;
  /** What the file says, most votes first. */
  evidence: RegionEvidence[];
}

type Source = 'phones' | 'countries' | 'emails';

function phoneRegion(phone: string | null): string | null {
  const text = phone?.trim() ?? '';
  if (!/^(\+|00)/.test(text)) {
    return null;
  }
  const pn = parsePhoneNumberFromString(text.replace(/^00/, '+'));
  return pn?.isValid() ? (pn.country ?? null) : null;
}

function emailRegion(email: string | null): string | null {
  const tld = /@[^@\s]+\.([a-z]{2})\s*$/i.exec(email ?? '')?.[1]?.toLowerCase();
  if (tld === undefined || GENERIC_CC_TLDS.has(tld)) {
    return null;
  }
  const region = tld === 'uk' ? 'GB' : tld.toUpperCase();
  return regionOfCountry(region);
}

/** Collects the evidence of the rows it is shown, then decides. */
export class RegionEvidenceCollector {
  private readonly byRegion = new Map<string, RegionEvidence>();

  add(fields: MappedFields): void {
    this.vote(phoneRegion(fields.phone), 'phones');
    this.vote(regionOfCountry(fields.country), 'countries');
    this.vote(emailRegion(fields.email), 'emails');
  }

  private vote(region: string | null, source: Source): void {
    if (region === null) {
      return;
    }
    const e = this.byRegion.get(region) ?? { region, phones: 0, countries: 0, emails: 0 };
    e[source]++;
    this.byRegion.set(region, e);
  }

  decide(): RegionInference {
    const votes = (e: RegionEvidence) => e.phones + e.countries + e.emails;
    const evidence = [...this.byRegion.values()].sort(
      (a, b) => votes(b) - votes(a) || a.region.localeCompare(b.region),
    );
    const byCode = new Map<string, RegionEvidence[]>();
    for (const e of evidence) {
      const code = getCountryCallingCode(e.region as CountryCode);
      byCode.set(code, [...(byCode.get(code) ?? []), e]);
    }
    const total = evidence.reduce((n, e) => n + votes(e), 0);
    let best: RegionEvidence[] = [];
    let bestVotes = 0;
    for (const group of byCode.values()) {
      const n = group.reduce((s, e) => s + votes(e), 0);
      if (n > bestVotes) {
        best = group;
        bestVotes = n;
      }
    }
    if (bestVotes >= MIN_VOTES && bestVotes >= CLEAR_SHARE * total) {
      return { status: 'inferred', region: best[0]!.region, evidence };
    }
    if (total >= CONFLICT_VOTES) {
      return { status: 'conflict', region: null, evidence };
    }
    return { status: 'none', region: null, evidence };
  }
}
