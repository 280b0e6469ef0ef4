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
 * the one most named under the winning code. Evidence must also cover the file: its votes must be
 * at least COVERAGE of the rows whose number needs a region (no country code, no country cell),
 * so two German contacts in a list of a hundred US numbers decide nothing about the hundred.
 * - clear: the winning code has >= MIN_VOTES votes, >= CLEAR_SHARE of all, and covers -> inferred;
 * - conflict: two or more codes have >= MIN_VOTES votes each and together they cover -> no region
 *   at all: a number without a country code gets null and an issue rather than a guess;
 * - otherwise (no, scattered or too little evidence): the default region, as before.
 */
export const MIN_VOTES = 2;
export const CLEAR_SHARE = 0.8;
export const COVERAGE = 0.5;

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
  /** Rows whose phone would be read in the file's region: no country code, no country cell. */
  private needRegion = 0;

  add(fields: MappedFields): void {
    const fromPhone = phoneRegion(fields.phone);
    const fromCountry = regionOfCountry(fields.country);
    const phone = fields.phone?.trim() ?? '';
    if (phone !== '' && !/^(\+|00)/.test(phone) && fromCountry === null) {
      this.needRegion++;
    }
    this.vote(fromPhone, 'phones');
    this.vote(fromCountry, 'countries');
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
    const codeVotes = [...byCode.values()]
      .map((group) => ({ region: group[0]!.region, n: group.reduce((s, e) => s + votes(e), 0) }))
      .sort((a, b) => b.n - a.n);
    const best = codeVotes[0];
    const covers = (n: number) => n >= COVERAGE * this.needRegion;
    if (best !== undefined && best.n >= MIN_VOTES && best.n >= CLEAR_SHARE * total && covers(best.n)) {
      return { status: 'inferred', region: best.region, evidence };
    }
    const strong = codeVotes.filter((c) => c.n >= MIN_VOTES);
    if (strong.length >= 2 && covers(strong.reduce((s, c) => s + c.n, 0))) {
      return { status: 'conflict', region: null, evidence };
    }
    return { status: 'none', region: null, evidence };
  }
}
