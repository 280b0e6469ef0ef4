/**
 * The bearer token lives in sessionStorage only: it is gone when the tab closes and never
 * reaches another tab, a cookie or a URL.
 */
const KEY = 'batchport.token';

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
