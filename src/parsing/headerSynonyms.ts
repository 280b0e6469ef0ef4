/**
 * Header -> contact field mapping through synonyms.
 *
 * A header is normalised (accents removed, ß -> ss, lower case, `-` `_` `.` `'` removed, split
 * into words on anything else), then:
 * 1. the whole word sequence is looked up in BASE ("businessname", "emailadresse", ...);
 * 2. otherwise "group" words (mobile/business/home/other and their German, French and Spanish
 *    equivalents) and numbers are removed and the rest is looked up, so "Business Phone 2",
 *    "Telefon geschäftlich", "E-mail 2 Address", "Address 1 - Street" and "Email (Work)" all
 *    resolve without listing every combination.
 * The priority decides between several columns of one field: lower wins; e.g. mobile phone (0)
 * beats business (2) beats home (4). Per row the first non-empty candidate wins.
 *
 * The synonym tables are data files under headers/synonyms/; the lookup is in
 * headers/matchHeader.ts and the per-file mapping in headers/mapHeaders.ts.
 */
export { mapHeaders, pickFields, type HeaderMapping, type MappedFields } from './headers/mapHeaders.js';
export { matchHeader, normalizeHeader } from './headers/matchHeader.js';
