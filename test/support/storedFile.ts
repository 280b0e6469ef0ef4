import { NotFoundError } from '../../src/errors.js';
import type { FileStorage } from '../../src/storage/fileStorage.js';

/** True when `key` is stored, through the adapter's own `get` (no test-only adapter member). */
export async function storedFileExists(storage: Pick<FileStorage, 'get'>, key: string): Promise<boolean> {
  try {
    const stream = await storage.get(key);
    stream.destroy();
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) {
      return false;
    }
    throw error;
  }
}
