import { authHeader, failure } from './api.js';

/**
 * A link cannot carry the bearer header, so the file is fetched with it and handed to the
 * browser as a blob: URL on a temporary link with `download`.
 */
export async function download(token: string, path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: authHeader(token) });
  if (!response.ok) {
    throw await failure(response);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download by the time the next task runs.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
