import { Readable } from 'node:stream';
import { FileContentError } from '../errors.js';
import { openContactParser } from '../parsing/openContactParser.js';
import { watchSynchronousReads } from '../parsing/spreadsheet/synchronousReads.js';
import type { ParsedRow } from '../parsing/types.js';
import type { FromThread, ParseTask, ToThread } from './parseProtocol.js';
import { lowerThisThreadPriority } from './threadPriority.js';

lowerThisThreadPriority();

/**
 * A FileContentError, also one from a second copy of errors.ts: run from source (tsx), this
 * thread's static imports are loaded as CommonJS and a module imported later (SheetJS's parser,
 * see openContactParser's spreadsheetRows) as ESM, each with its own FileContentError class.
 */
function isContentError(error: unknown): boolean {
  return (
    error instanceof FileContentError ||
    (error instanceof Error &&
      error.constructor.name === FileContentError.name &&
      'code' in error &&
      error.code === new FileContentError('').code)
  );
}

/**
 * Entry of a parse-pool thread (piscina): decodes, parses and normalises one file whose bytes
 * arrive over `port`, and sends the rows back in batches. Storage is read by the job, so storage
 * errors never happen here; a content error is sent with its user message.
 */
export default async function parseInThread({ port, options, batchRows }: ParseTask): Promise<void> {
  const post = (m: FromThread) => port.postMessage(m);
  let credits = 0;
  let stopped = false;
  let wake: (() => void) | null = null;
  const input = new Readable({ read: () => post({ type: 'pull' }) });
  port.on('message', (m: ToThread) => {
    if (m.type === 'chunk') {
      input.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    } else if (m.type === 'end') {
      input.push(null);
    } else if (m.type === 'credit') {
      credits++;
    } else {
      stopped = true;
      input.destroy();
    }
    wake?.();
  });

  // One task at a time runs on a pool thread, so the thread's one listener is this task's.
  watchSynchronousReads((bytes) => post(bytes === null ? { type: 'readEnded' } : { type: 'reading', bytes }));
  const parser = openContactParser(input, options);
  let batch: ParsedRow[] = [];
  const send = async (): Promise<void> => {
    while (credits === 0 && !stopped) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (!stopped) {
      credits--;
      post({ type: 'rows', rows: batch, progress: parser.progress(), details: parser.details() });
      batch = [];
    }
  };
  try {
    // A batch of the parser's at a time: rows are moved synchronously, one await per message.
    for await (const rows of parser.batches) {
      for (const row of rows) {
        batch.push(row);
        if (batch.length >= batchRows) {
          await send();
          if (stopped) {
            return;
          }
        }
      }
      if (stopped) {
        return;
      }
    }
    if (batch.length > 0) {
      await send();
    }
    post({ type: 'done', details: parser.details() });
  } catch (error) {
    if (!stopped) {
      const content = isContentError(error);
      post({ type: 'error', content, message: error instanceof Error ? error.message : String(error) });
    }
  } finally {
    watchSynchronousReads(null);
    port.close();
  }
}
