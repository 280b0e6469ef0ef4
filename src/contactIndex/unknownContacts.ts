import type { ContactRecord } from '../contacts/contactSchema.js';

/** What a recount needs of a record: its contact keys' fields. */
export type Contact = Pick<ContactRecord, 'email' | 'phone'>;

/**
 * An attempt's contacts not counted known yet, kept (e-mail and phone only) so that counting
 * again at the end reads the index for them alone instead of reading the stored records back
 * (issue #21: in a user's burst of small files almost every batch counts again). At most `max`
 * are kept; past it `list()` is null and the count comes from the stored records, a page at a
 * time, as it always did. Records with neither key are never known and are not kept.
 */
export function createUnknownContacts(max: number) {
  let kept: Contact[] | null = [];
  return {
    add(contacts: readonly Contact[]): void {
      for (const { email, phone } of contacts) {
        if (kept === null) {
          return;
        }
        if (email !== null || phone !== null) {
          kept.push({ email, phone });
          if (kept.length > max) {
            kept = null; // past the bound: the stored records are the list
          }
        }
      }
    },
    /** The kept contacts, or null past the bound. */
    list: (): readonly Contact[] | null => kept,
  };
}
