/** What a page shows of something it loads: the states `useLoad` moves between. */
export type Load<T> =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; data: T; refreshing: boolean };

/**
 * How a fresh answer meets what is shown. `reconcile` decides which parts of the two are newer
 * (see versions.ts); without it the answer replaces what is shown.
 */
export function settle<T>(previous: Load<T>, answer: T, reconcile?: (shown: T, incoming: T) => T): Load<T> {
  const data = reconcile && previous.state === 'ready' ? reconcile(previous.data, answer) : answer;
  return { state: 'ready', data, refreshing: false };
}
