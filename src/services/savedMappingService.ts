import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { FileContentError, NotFoundError } from '../errors.js';
import {
  headerFingerprint,
  normalisedFields,
  type MappingSource,
  type SavedMappingCandidate,
} from '../parsing/headers/savedMappings.js';
import type { ColumnMapping, FileFormat, ParseDetails } from '../parsing/types.js';
import type { SavedMappingRepository } from '../repositories/savedMappingRepository.js';
import type { FileStorage } from '../storage/fileStorage.js';
import type { UploadOptions } from '../validators/uploadOptions.js';
import type { ParserFactory } from '../worker/parsePool.js';

/**
 * Saved mappings per user. Beyond it, saving a new one removes the least recently used (saved
 * or applied); documented in the README.
 */
export const SAVED_MAPPINGS_PER_USER = 50;

/** What an upload stores on its batch row: the mapping the worker reads the file with, and why. */
export interface MappingDecision {
  mapping: ColumnMapping | null;
  /** null for vCards (their properties have fixed meanings). */
  source: MappingSource | null;
}

export interface StoredUpload {
  format: FileFormat;
  storageKey: string;
  size: number;
}

interface Deps {
  repository: Pick<SavedMappingRepository, 'save' | 'candidates' | 'touch' | 'list' | 'delete'>;
  storage: Pick<FileStorage, 'get'>;
  /** The API's parse threads (the preview pool): the header row is never parsed on the event loop. */
  open: ParserFactory;
  parse: { maxRowsPerBatch: number; maxUncompressedBytes: number; defaultPhoneRegion: string };
  logger: Logger;
}

export type SavedMappingService = ReturnType<typeof createSavedMappingService>;

/**
 * Remembered mappings (issue #21): saving the mapping a user sent under the fingerprint of the
 * file's header row, and the upload's one decision of which mapping its batch is read with.
 */
export function createSavedMappingService({ repository, storage, open, parse, logger }: Deps) {
  /**
   * Reads the stored file's header row (and first row) in a parse thread, with the upload's
   * mapping or, without one, the user's saved mappings: the parser reports which it used. Null
   * when the file cannot be read that far: the worker reads it and reports why, as without this.
   */
  async function headerDetails(
    stored: StoredUpload,
    options: UploadOptions,
    saved: readonly SavedMappingCandidate[],
  ): Promise<ParseDetails | null> {
    const input = await storage.get(stored.storageKey);
    const parser = open(input, {
      format: stored.format,
      maxRows: parse.maxRowsPerBatch,
      maxUncompressedBytes: parse.maxUncompressedBytes,
      defaultRegion: parse.defaultPhoneRegion,
      phoneRegion: options.phoneRegion,
      mapping: options.mapping,
      savedMappings: saved,
      encoding: options.encoding,
      totalBytes: stored.size,
    });
    try {
      // The first row completes the details; leaving the loop stops the parse.
      for await (const row of parser.rows) {
        void row;
        break;
      }
      return parser.details();
    } catch (error) {
      if (error instanceof FileContentError) {
        return null;
      }
      throw error;
    } finally {
      input.destroy();
    }
  }

  async function remember(userId: string, headerRow: readonly string[], mapping: ColumnMapping) {
    const fingerprint = headerFingerprint(headerRow);
    if (fingerprint === null) {
      return null; // two names normalise alike: see savedMappings.ts
    }
    return repository.save(
      { id: randomUUID(), userId, fingerprint, mapping, fields: normalisedFields(headerRow, mapping) },
      SAVED_MAPPINGS_PER_USER,
    );
  }

  return {
    /**
     * The mapping a new batch is read with, decided once here and stored on its row (the worker
     * reads the row, never the saved mappings): the sent mapping (remembered unless
     * rememberMapping is false), else a saved one matching the header row, else the synonyms.
     * The file is read here only when it matters: a mapping to remember, or saved ones to match.
     */
    async decideForUpload(
      userId: string,
      stored: StoredUpload,
      options: UploadOptions,
    ): Promise<MappingDecision> {
      if (stored.format === 'vcf') {
        return { mapping: null, source: null };
      }
      if (options.mapping) {
        if (options.rememberMapping !== false) {
          const details = await headerDetails(stored, options, []);
          // Only a mapping that read the file (a header row, a name/email/phone column) is kept.
          if (details?.headerRow && details.mapping) {
            await remember(userId, details.headerRow, details.mapping);
          }
        }
        return { mapping: options.mapping, source: 'request' };
      }
      const saved = await repository.candidates(userId);
      if (saved.length === 0) {
        return { mapping: null, source: 'synonyms' };
      }
      const details = await headerDetails(stored, options, saved);
      if (details?.mappingSource !== 'saved' || !details.mapping || !details.savedMappingId) {
        return { mapping: null, source: 'synonyms' };
      }
      await repository.touch(details.savedMappingId, userId);
      // Keyed by this file's own column names: the worker applies it as it applies a sent one.
      return { mapping: details.mapping, source: 'saved' };
    },

    /** The saved mappings a preview is read with (none when the preview sent a mapping). */
    candidatesFor(userId: string, options: UploadOptions): Promise<SavedMappingCandidate[]> {
      return options.mapping ? Promise.resolve([]) : repository.candidates(userId);
    },

    /** A preview that read the file with a sent mapping and was asked to remember it. */
    async rememberFromPreview(userId: string, details: ParseDetails): Promise<string | null> {
      if (details.mappingSource !== 'request' || !details.headerRow || !details.mapping) {
        return null;
      }
      return remember(userId, details.headerRow, details.mapping);
    },

    /** A preview used a saved mapping: it is now the most recently used. */
    async touch(userId: string, id: string): Promise<void> {
      await repository.touch(id, userId).catch((error: unknown) => {
        logger.warn({ err: error, savedMappingId: id }, 'could not mark a saved mapping used');
      });
    },

    list: (userId: string, limit: number, cursor: string | undefined) =>
      repository.list(userId, limit, cursor),

    /** Another user's mapping, or one already gone, is a 404 (never a 403: ids are not confirmed). */
    async remove(userId: string, id: string): Promise<void> {
      if (!(await repository.delete(id, userId))) {
        throw new NotFoundError('no saved mapping with this id');
      }
    },
  };
}
