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
    expect(normalizePhone('(415) 555-2671', 'US')).toEqual({
      phone: '+14155552671',
      parsed: true,
      issue: null,
    });
    expect(normalizePhone('030 1234567', 'DE').phone).toBe('+49301234567');
    expect(normalizePhone('0044 20 7946 0000', 'US').phone).toBe('+442079460000');
    expect(normalizePhone('4915112345678', 'US').phone).toBe('+4915112345678');
    expect(normalizePhone('12ab', 'US')).toEqual({
      phone: '12ab',
      parsed: false,
      issue: 'phone number could not be parsed: 12ab',
    });
    expect(normalizePhone('+1 212 555 0199', 'XX').phone).toBe('+12125550199');
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
    expect(r).toEqual({
      kind: 'invalid',
      row: {
        rowNumber: 3,
        reason: 'no name, email or phone; email address is not valid: x@',
        original: { Company: 'Acme' },
      },
    });
  });
});
