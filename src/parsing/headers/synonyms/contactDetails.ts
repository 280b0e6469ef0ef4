import { syn, type Synonym } from '../fields.js';

/**
 * Email and phone. Keys are normalised headers (see normalizeHeader) joined without spaces, in English,
 * German, French and Spanish plus the exact headings of Google, Outlook and Apple exports.
 */
export const CONTACT_DETAIL_SYNONYMS: readonly Synonym[] = [
  ...syn('email', 0, [
    'email',
    'emailaddress',
    'mail',
    'emailadresse',
    'emailadr',
    'courriel',
    'adresseemail',
    'adressecourriel',
    'adresseelectronique',
    'adressemail',
    'correo',
    'correoelectronico',
    'direcciondecorreo',
    'direcciondecorreoelectronico',
  ]),
  ...syn('phone', 0, ['mobiltelefon', 'mobilnummer', 'handynummer', 'mobilephonenumber', 'cellphonenumber']),
  ...syn('phone', 1, ['primaryphone', 'primarytelephone']),
  ...syn('phone', 1.5, [
    'phone',
    'phonenumber',
    'telephone',
    'telephonenumber',
    'tel',
    'telefon',
    'telefonnummer',
    'numerodetelephone',
    'telefono',
    'numerodetelefono',
  ]),
  ...syn('phone', 3, ['companymainphone']),
];
