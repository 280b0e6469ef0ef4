import Uppy, { type Body, type Meta } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import XHRUpload from '@uppy/xhr-upload';
import { authHeader, messageOf } from '../api.js';
import type { UploadAnswer } from '../api.js';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

export interface UploadMeta extends Meta {
  phoneRegion: string;
  mapping?: string;
  encoding?: string;
  /** "true"/"false": whether the API remembers this file's mapping (sent with a mapping only). */
  rememberMapping?: string;
}
export type BatchportUppy = Uppy<UploadMeta, UploadAnswer & Body>;

export interface WebConfig {
  maxFileSize: number;
  allowedExtensions: string[];
  devSignIn: boolean;
}

const UPLOAD_ENDPOINT = '/api/batches/upload';

// Worth another try: the network, a restart, a busy upstream. Not a 4xx: the answer would not change.
const RETRYABLE = new Set([0, 502, 503, 504]);

/** The API's `{ error: { message } }`, so each file shows why it was refused. */
function refusal(xhr: XMLHttpRequest): Error {
  let body: unknown;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    body = undefined;
  }
  return new Error(messageOf(body, new Response(null, { status: xhr.status, statusText: xhr.statusText })));
}

/**
 * Uppy's Dashboard (drag and drop of many files, per-file progress, cancel, retry) uploading with
 * XHR to the API: field `file`, the bearer header, the phone region and the mapping (sent first,
 * as the API reads text fields before the file). Type and size are checked before anything is sent.
 */
export function createUppy(
  token: string,
  config: WebConfig,
  target: HTMLElement,
  phoneRegion: string,
): BatchportUppy {
  const uppy: BatchportUppy = new Uppy<UploadMeta, UploadAnswer & Body>({
    meta: { phoneRegion },
    restrictions: { maxFileSize: config.maxFileSize, allowedFileTypes: config.allowedExtensions },
    autoProceed: false,
  });
  uppy.use(Dashboard, {
    target,
    inline: true,
    width: '100%',
    height: 360,
    proudlyDisplayPoweredByUppy: false,
    showRemoveButtonAfterComplete: true,
    note: `${config.allowedExtensions.join(' ')} up to ${Math.round(config.maxFileSize / 1024 / 1024)} MB each`,
  });
  uppy.use(XHRUpload, {
    endpoint: UPLOAD_ENDPOINT,
    fieldName: 'file',
    headers: authHeader(token),
    allowedMetaFields: ['phoneRegion'],
    limit: 3,
    timeout: 120_000,
    shouldRetry: (xhr) => RETRYABLE.has(xhr.status),
    onAfterResponse: (xhr) => {
      if (xhr.status >= 400) {
        throw refusal(xhr);
      }
    },
  });
  return uppy;
}

/**
 * Sends the mapping and the text encoding chosen for this file with this file only (Uppy
 * otherwise sends the same meta fields for all).
 */
export function setFileChoices(
  uppy: BatchportUppy,
  fileId: string,
  choices: { mapping?: string | undefined; encoding?: string | undefined },
): void {
  const meta = { ...uppy.getFile(fileId).meta, ...choices };
  uppy.setFileMeta(fileId, meta);
  const chosen = (['mapping', 'encoding'] as const).filter((f) => meta[f] !== undefined);
  // rememberMapping goes with a mapping only: without one there is nothing to remember.
  const remember = meta.mapping !== undefined ? ['rememberMapping'] : [];
  const fields = ['phoneRegion', ...chosen, ...remember];
  uppy.setFileState(fileId, { xhrUpload: { endpoint: UPLOAD_ENDPOINT, allowedMetaFields: fields } });
}

/**
 * Uppy's Dashboard (6.0) marks each file `role="listitem"`, but with a single file it drops the
 * `role="list"` of their container, which axe rightly reports as critical. Until that is fixed
 * upstream, give the container its role back whenever the Dashboard redraws. Returns a stop function.
 */
export function keepFileListRole(target: HTMLElement): () => void {
  const fix = () =>
    target
      .querySelectorAll('.uppy-Dashboard-files:not([role])')
      .forEach((el) => el.setAttribute('role', 'list'));
  const observer = new MutationObserver(fix);
  observer.observe(target, { childList: true, subtree: true });
  return () => observer.disconnect();
}
