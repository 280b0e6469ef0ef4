import { randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DependencyUnavailableError, NotFoundError } from '../errors.js';
import { localStorageFailure } from './localErrors.js';
import { assertSafeKey } from './storageKey.js';
import type { FileStorage, StoreIdentity, StoredObject } from './fileStorage.js';

/** Uploads hold personal data: readable by the service's own user only. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const TEMP_PREFIX = '.tmp-';
/** At the root, outside `batches/`: never listed, never swept. */
const STORE_ID_FILE = '.batchport-store-id';

/**
 * The root's identity, kept in a file inside it: the same disk keeps its id across restarts and
 * hosts, another disk (even mounted at the same path) has another. Read once per process, so
 * the synchronous calls happen once, at the first upload or job.
 */
function readOrCreateStoreId(root: string): string {
  const file = join(root, STORE_ID_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(root, { recursive: true, mode: DIR_MODE });
    try {
      writeFileSync(file, `${randomUUID()}\n`, { flag: 'wx', mode: FILE_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    // Read back: when two processes create it at once, the one that won the `wx` decides.
    return readFileSync(file, 'utf8').trim();
  }
}

/** Local-disk storage for development and single-host installs; keys map to paths under rootDir. */
export function createLocalStorage(rootDir: string): FileStorage {
  const root = resolve(rootDir);
  let identity: StoreIdentity | undefined;

  function pathFor(key: string): string {
    assertSafeKey(key);
    const full = resolve(root, key);
    // Defence in depth: even a key that passed validation must resolve inside the root.
    if (!full.startsWith(root + sep)) {
      throw new NotFoundError('object not found');
    }
    return full;
  }

  /** Every file under `prefix` (none when the prefix leaves the root or does not exist). */
  async function filesUnder(prefix: string): Promise<Dirent[]> {
    const start = resolve(root, prefix);
    if (start !== root && !start.startsWith(root + sep)) {
      return [];
    }
    try {
      const entries = await readdir(start, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => entry.isFile());
    } catch {
      return [];
    }
  }

  async function fsyncPath(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    kind: 'local',

    identity() {
      identity ??= { backend: 'local', store: readOrCreateStoreId(root) };
      return identity;
    },

    async put(key, body: Readable) {
      const target = pathFor(key);
      const dir = dirname(target);
      // Write to a temp name, fsync, then rename: a crash never leaves a half file under the key.
      const temp = join(dir, `${TEMP_PREFIX}${randomUUID()}`);
      try {
        await mkdir(dir, { recursive: true, mode: DIR_MODE });
        await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: FILE_MODE }));
        await fsyncPath(temp);
        await rename(temp, target);
        await fsyncPath(dir);
      } catch (error) {
        await rm(temp, { force: true });
        // A full disk is the client's 507, not a 500 (src/storage/localErrors.ts).
        throw localStorageFailure(error, 'storing an upload') ?? error;
      }
    },

    async get(key) {
      const path = pathFor(key);
      try {
        await stat(path);
      } catch {
        throw new NotFoundError('stored file not found');
      }
      return createReadStream(path);
    },

    async delete(key) {
      await rm(pathFor(key), { force: true });
    },

    // Local disk is the development/single-host backend: one directory walk per call is fine.
    async *list(prefix, startAfter): AsyncIterable<StoredObject> {
      const keys = (await filesUnder(prefix))
        .filter((entry) => !entry.name.startsWith(TEMP_PREFIX))
        .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .filter((key) => startAfter === undefined || key > startAfter)
        .sort();
      for (const key of keys) {
        const info = await stat(join(root, key)).catch(() => null);
        if (info) {
          yield { key, lastModified: info.mtime };
        }
      }
    },

    async removeStaleTemp(prefix, olderThan) {
      let removed = 0;
      for (const entry of await filesUnder(prefix)) {
        if (!entry.name.startsWith(TEMP_PREFIX)) {
          continue;
        }
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtime < olderThan) {
          await rm(path, { force: true });
          removed += 1;
        }
      }
      return removed;
    },

    async ping() {
      try {
        await mkdir(root, { recursive: true, mode: DIR_MODE });
        await stat(root);
      } catch (error) {
        throw new DependencyUnavailableError('local storage is not writable', {
          cause: error,
          dependency: 'storage',
        });
      }
    },
  };
}
