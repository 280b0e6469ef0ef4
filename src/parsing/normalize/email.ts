import { domainToASCII } from 'node:url';
import { firstOfMany } from './firstOfMany.js';

/** WHATWG HTML "valid e-mail address" local part and domain label. */
const EMAIL_LOCAL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export interface EmailResult {
  email: string | null;
  issue: string | null;
}

/** Trims, removes `mailto:` and `Name <...>`, lower-cases the domain, validates. */
export function normalizeEmail(raw: string): EmailResult {
  let v = firstOfMany(raw.trim(), /\s*(?::::|;|,|\s)\s*/);
  const angle = /<([^<>]+)>/.exec(raw);
  if (angle) {
    v = angle[1]!.trim();
  }
  v = v.replace(/^mailto:/i, '');
  const at = v.lastIndexOf('@');
  const bad = { email: null, issue: `email address is not valid: ${raw.trim()}` };
  if (at <= 0 || at === v.length - 1 || v.length > 254) {
    return bad;
  }
  const local = v.slice(0, at);
  const domain = v.slice(at + 1).toLowerCase();
  const asciiDomain = domainToASCII(domain);
  if (!EMAIL_LOCAL.test(local) || local.length > 64 || asciiDomain === '') {
    return bad;
  }
  const labels = asciiDomain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
    return bad;
  }
  return { email: `${local}@${domain}`, issue: null };
}
