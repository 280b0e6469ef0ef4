/**
 * SheetJS reports every failure as a plain `Error` with no code or subclass, so an encrypted
 * workbook can only be told apart from a damaged one by the message. This is the one place
 * that reads SheetJS's wording; test/unit/parsing/sheetJsErrors.test.ts feeds it the error the
 * installed SheetJS really throws for a password-protected XLS, so an upgrade that changes the
 * wording fails that test instead of silently turning "password-protected" into "not valid".
 *
 * Covers "File is password-protected", "ECMA-376 Encrypted file …", "Encryption scheme
 * unsupported", "EncryptionInfo mismatch" and "Unsupported ZIP encryption".
 */
export function isSheetJsEncryptionError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /password|encrypt/i.test(message);
}
