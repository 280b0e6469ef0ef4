import { describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/contacts/contactSchema.js';
import { ValidationError } from '../../../src/errors.js';
import { ContactRecordSchema } from '../../../src/http/schemas/batchSchemas.js';
import { normalizeRecord } from '../../../src/repositories/records/recordRow.js';

const record = (phone: string | null): ContactRecord => ({
  rowNumber: 1,
  fullName: 'Ada',
  firstName: null,
  lastName: null,
  email: null,
  phone,
  company: null,
  title: null,
  street: null,
  city: null,
  region: null,
  postalCode: null,
  country: null,
  original: { Phone: '0151 2345 6789' },
  issues: [],
});

/** `phone` is E.164 or null in every record the product stores, answers or exports. */
describe('the phone contract', () => {
  it('is declared in the records schema, so the OpenAPI document says it', () => {
    expect(JSON.parse(JSON.stringify(ContactRecordSchema.properties['phone']))).toEqual({
      anyOf: [{ type: 'string', pattern: '^\\+[1-9][0-9]{1,14}$' }, { type: 'null' }],
    });
  });

  it('is enforced where both records stores write: raw text is refused, E.164 and null pass', () => {
    expect(normalizeRecord(record('+4915123456789')).phone).toBe('+4915123456789');
    expect(normalizeRecord(record(null)).phone).toBeNull();
    for (const raw of ['0151 2345 6789', '12ab', '', '+0151', '+4915123456789 ']) {
      expect(() => normalizeRecord(record(raw)), raw).toThrow(ValidationError);
    }
  });
});
