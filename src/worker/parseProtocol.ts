import type { MessagePort } from 'node:worker_threads';
import type { ParseDetails, ParseOptions, ParsedRow } from '../parsing/types.js';

/**
 * Messages between a job (main thread) and its parse task (pool thread), over the task's own
 * MessagePort. Both directions are pulled: the thread asks for each input chunk, and sends a
 * batch of rows only against a credit the job grants when it takes a batch, so at most a few
 * chunks and batches are ever in flight.
 */

/** The task as piscina hands it to the thread: the ParseOptions pass through unchanged. */
export interface ParseTask {
  port: MessagePort;
  options: ParseOptions;
  /** Rows per message. */
  batchRows: number;
}

export type ToThread =
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' }
  | { type: 'credit' }
  /** The job stopped early (cancelled, superseded, storage failed): end the task quietly. */
  | { type: 'stop' };

export type FromThread =
  | { type: 'pull' }
  /**
   * A synchronous read of the whole workbook (SheetJS, `bytes` of workbook data) starts: the
   * thread answers nothing until it ends, and the job gives it a deadline of its own
   * (src/parsing/spreadsheet/synchronousReads.ts), which `readEnded` (or any later message) ends.
   */
  | { type: 'reading'; bytes: number }
  | { type: 'readEnded' }
  /** `details`: what the parser has found out so far (encoding, header, mapping). */
  | { type: 'rows'; rows: ParsedRow[]; progress: number; details: ParseDetails }
  | { type: 'done'; details: ParseDetails }
  /** `content`: a FileContentError, whose message is for the user. */
  | { type: 'error'; content: boolean; message: string };
