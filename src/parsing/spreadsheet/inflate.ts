import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { FileContentError } from '../../errors.js';
import { notXlsx, tooBig } from './messages.js';

/** Matches `<!DOCTYPE` / `<!ENTITY` (the scan keeps a short tail across chunk boundaries). */
const XML_TRICK = /<!\s*(doctype|entity)/i;
const XML_PART = /\.(xml|rels|vml)$/i;

const xmlTrickError = () =>
  new FileContentError(
    'file is not a valid XLSX workbook: it contains XML DOCTYPE/ENTITY declarations, ' +
      'which Excel never writes',
  );

/**
 * Checks the chunks of one XML part: UTF-8 only (Excel's encoding; a UTF-16 part could hide a
 * declaration from the scan) and no DOCTYPE/ENTITY declaration (billion laughs, external
 * entities). Returns the reason to stop, or null.
 */
function xmlScanner(fileName: string): (chunk: Buffer) => FileContentError | null {
  let tail = '';
  let first = true;
  return (chunk) => {
    if (first) {
      first = false;
      const utf16 = chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || chunk[1] === 0x00);
      if (utf16) {
        return notXlsx(` (unsupported text encoding in ${fileName})`);
      }
    }
    const text = tail + chunk.toString('latin1');
    if (XML_TRICK.test(text)) {
      return xmlTrickError();
    }
    tail = text.slice(-16);
    return null;
  };
}

/**
 * Reads one inflated entry to its end: counts its bytes against the shared budget and scans
 * XML parts. Calls `done` at the end or `fail` once with the reason to stop.
 */
function watchEntry(
  stream: Readable,
  fileName: string,
  budget: { inflated: number; cap: number },
  done: () => void,
  fail: (e: FileContentError) => void,
): void {
  const scan = XML_PART.test(fileName) ? xmlScanner(fileName) : null;
  let failed = false;
  const abort = (e: FileContentError) => {
    if (failed) {
      return;
    }
    failed = true;
    stream.unpipe();
    stream.destroy();
    fail(e);
  };
  stream.on('data', (chunk: Buffer) => {
    if (failed) {
      return;
    }
    budget.inflated += chunk.length;
    const problem = budget.inflated > budget.cap ? tooBig(budget.cap) : scan?.(chunk);
    if (problem) {
      abort(problem);
    }
  });
  stream.on('error', (e: Error) => abort(notXlsx(` (${e.message})`)));
  stream.on('end', () => {
    if (!failed) {
      done();
    }
  });
}

function openZip(buf: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buf,
      { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false },
      (err, z) => (err ? reject(notXlsx(` (${err.message})`)) : resolve(z)),
    );
  });
}

/**
 * Inflates every entry with yauzl (entry sizes validated against the directory), counting
 * bytes against `cap` and scanning XML parts (see xmlScanner). Returns the entry names and the
 * bytes inflated.
 */
export async function inflateAndScan(
  buf: Buffer,
  cap: number,
): Promise<{ names: string[]; inflated: number }> {
  const zip = await openZip(buf);
  const names: string[] = [];
  const budget = { inflated: 0, cap };
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(notXlsx(` (${e.message})`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) {
            reject(notXlsx(` (${err.message})`));
            return;
          }
          watchEntry(stream, entry.fileName, budget, () => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { names, inflated: budget.inflated };
}
