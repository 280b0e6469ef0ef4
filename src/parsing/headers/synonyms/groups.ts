import type { Group } from '../fields.js';

/**
 * "Group" words (mobile/business/home/other and their German, French and Spanish equivalents),
 * removed from a header before the synonym lookup and used for the column's priority.
 */
export const GROUP_WORDS = new Map<string, Group>([
  ['mobile', 'mobile'],
  ['mobil', 'mobile'],
  ['cell', 'mobile'],
  ['cellular', 'mobile'],
  ['handy', 'mobile'],
  ['portable', 'mobile'],
  ['movil', 'mobile'],
  ['celular', 'mobile'],
  ['iphone', 'mobile'],
  ['business', 'business'],
  ['work', 'business'],
  ['office', 'business'],
  ['geschaftlich', 'business'],
  ['dienstlich', 'business'],
  ['buro', 'business'],
  ['professionnel', 'business'],
  ['professionnelle', 'business'],
  ['travail', 'business'],
  ['trabajo', 'business'],
  ['oficina', 'business'],
  ['home', 'home'],
  ['privat', 'home'],
  ['private', 'home'],
  ['personal', 'home'],
  ['personnel', 'home'],
  ['domicile', 'home'],
  ['casa', 'home'],
  ['particular', 'home'],
  ['other', 'other'],
  ['andere', 'other'],
  ['autre', 'other'],
  ['otro', 'other'],
]);

/** Filler words dropped after group words: "Telefon (geschäftlich)", "E-mail 1 - Value". */
export const FILLER_WORDS = new Set(['value', 'de', 'du', 'del', 'the']);

export const GROUP_PRIORITY: Record<'phone' | 'email' | 'address', Record<Group | 'none', number>> = {
  phone: { mobile: 0, none: 1.5, business: 2, home: 4, other: 5 },
  email: { none: 0, business: 1, home: 2, mobile: 2, other: 3 },
  address: { business: 0, none: 1, home: 2, other: 3, mobile: 3 },
};
