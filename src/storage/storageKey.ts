import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';

/**
 * Every stored upload lives under this prefix: `batches/{email}-{hash8}/{batchId}-{filename}`
 * (batches stored before the hash was added keep their `batches/{email}/` keys: the key is
 * recorded per batch and never rebuilt).
 */
export const STORAGE_ROOT_PREFIX = 'batches/';

const MAX_FILENAME_LENGTH = 120;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reduces an email to a single safe path segment. Only `[a-z0-9._+@-]` survive; anything else
 * (slashes, backslashes, NUL, unicode look-alikes) becomes `_`, and dot runs cannot form `..`.
 */
export function sanitizeEmailSegment(email: string): string {
  const cleaned = email
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._+@-]/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 200);
  if (cleaned === '' || /^_*$/.test(cleaned)) {
    throw new ValidationError('email cannot be used as a storage folder');
  }
  return cleaned;
}

/**
 * Reduces a client-supplied filename to a safe, readable base name: directory parts (either
 * slash), control characters and anything outside a conservative set are dropped or replaced,
 * leading dots removed, length capped while keeping the extension.
 */
export function sanitizeFilename(name: string): string {
  const base = name.normalize('NFKC').split(/[/\\]/).pop() ?? '';
  let cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[^A-Za-z0-9._ ()-]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+/, '')
    .trim();
  if (cleaned.length > MAX_FILENAME_LENGTH) {
    const dot = cleaned.lastIndexOf('.');
    const ext = dot > 0 && cleaned.length - dot <= 6 ? cleaned.slice(dot) : '';
    cleaned = cleaned.slice(0, MAX_FILENAME_LENGTH - ext.length) + ext;
  }
  return cleaned === '' ? 'upload' : cleaned;
}

/** The one place storage keys are built. The batch id keeps two uploads from ever colliding. */
export function buildStorageKey(email: string, batchId: string, filename: string): string {
  if (!UUID_RE.test(batchId)) {
    throw new ValidationError('batch id must be a UUID');
  }
  return `${userStoragePrefix(email)}${batchId}-${sanitizeFilename(filename)}`;
}

/**
 * The folder of one user: the readable sanitised email, then 8 hex digits of the SHA-256 of the
 * exact email, because sanitising is lossy (`a/b@x.com` and `a_b@x.com` read alike) and two
 * users must never share a folder.
 */
export function userStorageSegment(email: string): string {
  const hash = createHash('sha256').update(email, 'utf8').digest('hex').slice(0, 8);
  return `${sanitizeEmailSegment(email)}-${hash}`;
}

/** The folder holding every new upload of one user (a sweeper can be scoped to it). */
export function userStoragePrefix(email: string): string {
  return `${STORAGE_ROOT_PREFIX}${userStorageSegment(email)}/`;
}

/** Keys handed to adapters must be relative, normalised and inside the batches prefix. */
export function assertSafeKey(key: string): void {
  const parts = key.split('/');
  const bad =
    !key.startsWith(STORAGE_ROOT_PREFIX) ||
    key.includes('\\') ||
    key.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..');
  if (bad) {
    throw new ValidationError(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
