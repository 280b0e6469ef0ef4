import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import type { Script } from './encodings.js';

/**
 * What a file says about its people's countries in ASCII, which reads the same in every candidate
 * encoding: e-mail country domains (`@firma.cz`) and phone country codes (`+420 …`). Used to choose
 * between legacy encodings the detector finds about equally likely.
 */

/** Regions whose legacy single-byte code page is not Western (Windows-1252) and the ones of East Asia. */
const SCRIPT_OF_REGION: Partial<Record<CountryCode, Script>> = {
  CZ: 'central',
  SK: 'central',
  PL: 'central',
  HU: 'central',
  SI: 'central',
  HR: 'central',
  RO: 'central',
  BA: 'central',
  AL: 'central',
  RU: 'cyrillic',
  UA: 'cyrillic',
  BY: 'cyrillic',
  BG: 'cyrillic',
  MK: 'cyrillic',
  RS: 'cyrillic',
  KZ: 'cyrillic',
  KG: 'cyrillic',
  GR: 'greek',
  CY: 'greek',
  TR: 'turkish',
  AZ: 'turkish',
  LT: 'baltic',
  LV: 'baltic',
  EE: 'baltic',
  JP: 'ja',
  CN: 'zh-hans',
  SG: 'zh-hans',
  TW: 'zh-hant',
  HK: 'zh-hant',
  MO: 'zh-hant',
  KR: 'ko',
};

function scriptOf(region: string): Script {
  return SCRIPT_OF_REGION[region as CountryCode] ?? 'western';
}

/** Calling code -> the region it belongs to when only one does (+7 is RU and KZ: both Cyrillic). */
let regionsByCallingCode: Map<string, string> | null = null;

function regionOfCallingCode(code: string): string | null {
  if (regionsByCallingCode === null) {
    regionsByCallingCode = new Map();
    for (const region of getCountries()) {
      const cc = getCountryCallingCode(region);
      // The first region listed for a shared code is its main one (US for +1, GB for +44).
      if (!regionsByCallingCode.has(cc)) {
        regionsByCallingCode.set(cc, region);
      }
    }
  }
  return regionsByCallingCode.get(code) ?? null;
}

const EMAIL_TLD = /@[a-z0-9.-]+\.([a-z]{2})(?![a-z0-9.-])/gi;
const PHONE_CODE = /(?:^|[^\d+])\+\s?(\d{1,3})[\s\-().]/g;

/** Regions named by the ASCII of `sample`: e-mail country domains and phone country codes. */
export function regionCues(sample: string): string[] {
  const out: string[] = [];
  for (const m of sample.matchAll(EMAIL_TLD)) {
    const tld = m[1]!.toUpperCase();
    out.push(tld === 'UK' ? 'GB' : tld);
  }
  for (const m of sample.matchAll(PHONE_CODE)) {
    // "+420 …": try the longest code first, as a phone number is read.
    const digits = m[1]!;
    for (let n = digits.length; n >= 1; n--) {
      const region = regionOfCallingCode(digits.slice(0, n));
      if (region !== null) {
        out.push(region);
        break;
      }
    }
  }
  return out;
}

/** Cues that must agree, and how many at least, before they choose the writing. */
const MIN_CUES = 2;
const MIN_AGREEMENT = 2 / 3;

/** The writing most cues point to, when they are enough and clear; else null. */
export function cuedScript(sample: string): Script | null {
  const counts = new Map<Script, number>();
  const cues = regionCues(sample);
  for (const region of cues) {
    const script = scriptOf(region);
    counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  let best: Script | null = null;
  let bestCount = 0;
  for (const [script, count] of counts) {
    if (count > bestCount) {
      best = script;
      bestCount = count;
    }
  }
  return bestCount >= MIN_CUES && bestCount >= MIN_AGREEMENT * cues.length ? best : null;
}
