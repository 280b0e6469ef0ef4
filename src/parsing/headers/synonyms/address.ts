import { syn, type Synonym } from '../fields.js';

/**
 * Postal address parts. Keys are normalised headers (see normalizeHeader) joined without spaces, in English,
 * German, French and Spanish plus the exact headings of Google, Outlook and Apple exports.
 */
export const ADDRESS_SYNONYMS: readonly Synonym[] = [
  ...syn('street', 0, [
    'street',
    'streetaddress',
    'address',
    'addressline1',
    'addressstreet',
    'strasse',
    'strasseundhausnummer',
    'anschrift',
    'adresse',
    'rue',
    'calle',
    'direccion',
    'domicilio',
  ]),
  ...syn('city', 0, [
    'city',
    'town',
    'locality',
    'addresscity',
    'ort',
    'stadt',
    'wohnort',
    'ville',
    'ciudad',
    'localidad',
  ]),
  ...syn('region', 0, [
    'state',
    'province',
    'region',
    'county',
    'stateprovince',
    'addressregion',
    'bundesland',
    'provincia',
    'estado',
  ]),
  ...syn('postalCode', 0, [
    'zip',
    'zipcode',
    'postalcode',
    'postcode',
    'addresspostalcode',
    'plz',
    'postleitzahl',
    'codepostal',
    'cp',
    'codigopostal',
  ]),
  ...syn('country', 0, ['country', 'countryregion', 'addresscountry', 'land', 'landregion', 'pays', 'pais']),
];
