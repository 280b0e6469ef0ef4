import { describe, expect, it } from 'vitest';
import type { MappedFields } from '../../../src/parsing/headerSynonyms.js';
import {
  normalizeContact,
  normalizeEmail,
  normalizePhone,
  splitFullName,
} from '../../../src/parsing/normalizeContact.js';

const empty: MappedFields = {
  fullName: null,
  firstName: null,
  middleName: null,
  lastName: null,
  email: null,
  phone: null,
  company: null,
  title: null,
  street: null,
  city: null,
  region: null,
  postalCode: null,
  country: null,
};

describe('normalizeContact', () => {
  it('splits and joins names', () => {
    expect(splitFullName('Smith, John')).toEqual({ firstName: 'John', lastName: 'Smith' });
    expect(splitFullName('John Ronald Tolkien')).toEqual({ firstName: 'John', lastName: 'Tolkien' });
    expect(splitFullName('Ludwig van Beethoven')).toEqual({ firstName: 'Ludwig', lastName: 'van Beethoven' });
    expect(splitFullName('Madonna')).toEqual({ firstName: 'Madonna', lastName: null });
    const r = normalizeContact(
      {
        rowNumber: 1,
        fields: { ...empty, firstName: ' Ada ', lastName: 'Lovelace' },
        original: {},
        issues: [],
      },
      'GB',
    );
    expect(r).toMatchObject({ kind: 'record', record: { fullName: 'Ada Lovelace', firstName: 'Ada' } });
  });

  it('validates and normalises emails', () => {
    expect(normalizeEmail(' John.Doe@Example.COM ')).toEqual({ email: 'John.Doe@example.com', issue: null });
    expect(normalizeEmail('mailto:a@b.example')).toEqual({ email: 'a@b.example', issue: null });
    expect(normalizeEmail('Jane <jane@EXAMPLE.org>').email).toBe('jane@example.org');
    expect(normalizeEmail('jürgen@müller.de').email).toBeNull();
    expect(normalizeEmail('info@müller.DE').email).toBe('info@müller.de');
    for (const bad of ['plainaddress', '@no-local.org', 'a@b', 'a@-b.com', 'a b@c.com', 'a@b..com']) {
      expect(normalizeEmail(bad)).toEqual({ email: null, issue: `email address is not valid: ${bad}` });
    }
  });

  it('formats phones as E.164 with the default region', () => {
    expect(normalizePhone('(415) 555-2671', 'US')).toEqual({ phone: '+14155552671', issue: null });
    expect(normalizePhone('030 1234567', 'DE').phone).toBe('+49301234567');
    expect(normalizePhone('0044 20 7946 0000', 'US').phone).toBe('+442079460000');
    expect(normalizePhone('4915112345678', 'US').phone).toBe('+4915112345678');
    expect(normalizePhone('+1 212 555 0199', 'XX').phone).toBe('+12125550199');
  });

  it('never returns raw text as the phone; the issue says why the text was not usable', () => {
    const cases: [string, string, string][] = [
      ['12ab', 'US', 'phone number "12ab" is not a phone number'],
      ['123', 'US', 'phone number "123" is too short for region US'],
      ['0151 2345 6789', 'US', 'phone number "0151 2345 6789" is too long for region US'],
      ['+1 555', 'DE', 'phone number "+1 555" is too short'],
      ['+999 12345', 'US', 'phone number "+999 12345" has an unknown country code'],
      ['123 456 7890', 'US', 'phone number "123 456 7890" is not a valid number for region US'],
    ];
    for (const [text, region, issue] of cases) {
      expect(normalizePhone(text, region)).toEqual({ phone: null, issue });
    }
  });

  it('reads a German mobile without country code in the region given (the issue #11 case)', () => {
    expect(normalizePhone('0151 2345 6789', 'DE')).toEqual({ phone: '+4915123456789', issue: null });
    expect(normalizePhone('0151 2345 6789', 'US').phone).toBeNull();
  });

  it('keeps rows with a name or phone when the email is invalid', () => {
    const r = normalizeContact(
      {
        rowNumber: 2,
        fields: { ...empty, email: 'nope', phone: '+44 20 7946 0000' },
        original: {},
        issues: [],
      },
      'US',
    );
    expect(r).toMatchObject({
      kind: 'record',
      record: { email: null, phone: '+442079460000', issues: ['email address is not valid: nope'] },
    });
  });

  it('turns rows without name, email or phone into invalid rows', () => {
    const r = normalizeContact(
      {
        rowNumber: 3,
        fields: { ...empty, company: 'Acme', email: 'x@' },
        original: { Company: 'Acme' },
        issues: [],
      },
      'US',
    );
    const reason = 'no name, email or phone; email address is not valid: x@';
    expect(r).toEqual({
      kind: 'invalid',
      row: { rowNumber: 3, reason, original: { Company: 'Acme' } },
      // What was read from the row, for the preview: the reason is its one issue.
      record: {
        rowNumber: 3,
        fullName: null,
        firstName: null,
        lastName: null,
        email: null,
        phone: null,
        company: 'Acme',
        title: null,
        street: null,
        city: null,
        region: null,
        postalCode: null,
        country: null,
        original: { Company: 'Acme' },
        issues: [reason],
      },
    });
  });

  it("reads the phone in the row's own country (code or name) before the batch region", () => {
    const row = (country: string | null) =>
      normalizeContact(
        {
          rowNumber: 1,
          fields: { ...empty, fullName: 'A', phone: '0151 2345 6789', country },
          original: {},
          issues: [],
        },
        'US',
      );
    for (const country of ['DE', 'de', 'Germany', 'Deutschland', 'Allemagne', 'Alemania', ' germany ']) {
      expect(row(country)).toMatchObject({ kind: 'record', record: { phone: '+4915123456789', issues: [] } });
    }
    // No country, or one that names no region: the batch region (US) applies.
    for (const country of [null, 'Atlantis', 'ZZ']) {
      expect(row(country)).toMatchObject({ kind: 'record', record: { phone: null } });
    }
  });
});
