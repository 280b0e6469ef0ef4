import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ValidationError } from '../errors.js';
import {
  MAX_OPTION_FIELD_BYTES,
  NO_UPLOAD_OPTIONS,
  OPTION_FIELDS,
  isOptionField,
  parseEncoding,
  parseMapping,
  parsePhoneRegion,
  parseRememberMapping,
  type UploadOptions,
} from '../validators/uploadOptions.js';
import { formatFromFilename } from '../validators/uploadValidators.js';

/** One part of a multipart body, as the HTTP layer hands it over (kept framework-free). */
export type UploadPart =
  | { type: 'file'; fieldname: string; filename: string; mimetype: string; stream: Readable }
  | { type: 'field'; fieldname: string; value: string; valueTruncated: boolean };

export type FilePart = Extract<UploadPart, { type: 'file' }>;

export const FILE_FIELD = 'file';

const ACCEPTED = `the form takes ${OPTION_FIELDS.map((f) => `"${f}"`).join(', ')} and then one file in "${FILE_FIELD}"`;

/** Resolves when the part has ended or failed, even if it was destroyed before we looked at it. */
export async function discard(stream: Readable): Promise<void> {
  stream.resume();
  // Not once('end'/'close'): a part destroyed before we got it never emits them again.
  await finished(stream).catch(() => undefined);
}

function readOption(part: Extract<UploadPart, { type: 'field' }>, options: UploadOptions, seen: Set<string>) {
  const name = part.fieldname;
  if (!isOptionField(name)) {
    throw new ValidationError(`unexpected form field "${name}"; ${ACCEPTED}`);
  }
  if (seen.has(name)) {
    throw new ValidationError(`form field "${name}" was sent twice`);
  }
  seen.add(name);
  if (part.valueTruncated) {
    throw new ValidationError(`form field "${name}" is longer than ${MAX_OPTION_FIELD_BYTES} bytes`);
  }
  if (name === 'mapping') {
    options.mapping = parseMapping(part.value);
  } else if (name === 'encoding') {
    options.encoding = parseEncoding(part.value);
  } else if (name === 'rememberMapping') {
    options.rememberMapping = parseRememberMapping(part.value);
  } else {
    options.phoneRegion = parsePhoneRegion(part.value);
  }
}

export interface UploadForm {
  options: UploadOptions;
  file: FilePart;
  /** The parts after the file; there must be none (see refuseRemaining). */
  rest: AsyncIterator<UploadPart>;
}

/**
 * The option fields, then the file part. Fields come first because the file is streamed to
 * storage (or through the parser) while it arrives: options sent after it would come too late.
 */
export async function readUploadForm(parts: AsyncIterable<UploadPart>): Promise<UploadForm> {
  const rest = parts[Symbol.asyncIterator]();
  const options: UploadOptions = { ...NO_UPLOAD_OPTIONS };
  const seen = new Set<string>();
  for (;;) {
    const next = await rest.next();
    if (next.done) {
      throw new ValidationError(`no file was sent; send one file in form field "${FILE_FIELD}"`);
    }
    const part = next.value;
    if (part.type === 'field') {
      readOption(part, options, seen);
      continue;
    }
    if (part.fieldname !== FILE_FIELD) {
      await discard(part.stream);
      throw new ValidationError(
        `the file must be sent in form field "${FILE_FIELD}", not "${part.fieldname}"`,
      );
    }
    await refuseOptionsForFormat(options, part);
    return { options, file: part, rest };
  }
}

/** An option that does not apply to the file's format is a 400 (the file is not read). */
async function refuseOptionsForFormat(options: UploadOptions, part: FilePart): Promise<void> {
  if (options.encoding === null && options.mapping === null) {
    return;
  }
  const format = formatFromFilename(part.filename);
  if (options.encoding !== null && format !== 'csv' && format !== 'txt') {
    await discard(part.stream);
    throw new ValidationError(
      'encoding applies to CSV and TXT files; vCards name their charset and workbooks store Unicode',
    );
  }
  if (options.mapping !== null && format === 'vcf') {
    await discard(part.stream);
    throw new ValidationError(
      "mapping applies to CSV, TXT, XLS and XLSX files; a vCard's properties have fixed meanings",
    );
  }
}

/** After the file: nothing may follow (a second file, or a field sent too late). */
export async function refuseRemaining(rest: AsyncIterator<UploadPart>): Promise<void> {
  const next = await rest.next();
  if (next.done) {
    return;
  }
  const part = next.value;
  if (part.type === 'file') {
    await discard(part.stream);
    throw new ValidationError(`send exactly one file in field "${FILE_FIELD}"; a second file was found`);
  }
  if (isOptionField(part.fieldname)) {
    throw new ValidationError(
      `form field "${part.fieldname}" came after the file; form fields must come before the file part`,
    );
  }
  throw new ValidationError(`unexpected form field "${part.fieldname}"; ${ACCEPTED}`);
}
