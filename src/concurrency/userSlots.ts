/**
 * Slots held in this process, counted in total and per user: the total protects the process, the
 * per-user cap keeps one user from taking every slot. Used for event streams and previews.
 */
export interface UserSlotLimits {
  total: number;
  perUser: number;
  /** The error for a user who already holds `perUser` slots (a 429). */
  userFull: () => Error;
  /** The error when the process holds `total` slots (a 503). */
  processFull: () => Error;
}

export function createUserSlots(limits: UserSlotLimits) {
  const perUser = new Map<string, number>();
  let total = 0;

  return {
    /** Takes a slot and returns its release (idempotent), or throws one of the two errors. */
    acquire(userId: string): () => void {
      const mine = perUser.get(userId) ?? 0;
      if (mine >= limits.perUser) {
        throw limits.userFull();
      }
      if (total >= limits.total) {
        throw limits.processFull();
      }
      perUser.set(userId, mine + 1);
      total += 1;
      let held = true;
      return () => {
        if (!held) {
          return;
        }
        held = false;
        total -= 1;
        const left = (perUser.get(userId) ?? 1) - 1;
        if (left === 0) {
          perUser.delete(userId);
        } else {
          perUser.set(userId, left);
        }
      };
    },

    /** Slots held now. */
    held(): number {
      return total;
    },
  };
}
