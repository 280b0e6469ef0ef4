import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { settle, type Load } from './loadState.js';

export type { Load } from './loadState.js';

/**
 * Runs `fetcher` when `key` changes; `reload` runs it again keeping what is shown meanwhile.
 * An answer that arrives after a newer request started is dropped; one that arrives after a
 * newer live event (applied through `update`) is merged through `reconcile`, so an older answer
 * never overwrites a newer status.
 */
export function useLoad<T>(
  fetcher: () => Promise<T>,
  key: string,
  reconcile?: (shown: T, incoming: T) => T,
): [Load<T>, () => void, (update: (data: T) => T) => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const generation = useRef(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;
  const merge = useRef(reconcile);
  merge.current = reconcile;

  const run = useCallback((keep: boolean) => {
    const mine = ++generation.current;
    setLoad((previous) =>
      keep && previous.state === 'ready' ? { ...previous, refreshing: true } : { state: 'loading' },
    );
    latest.current().then(
      (data) => mine === generation.current && setLoad((previous) => settle(previous, data, merge.current)),
      (error: unknown) =>
        mine === generation.current &&
        setLoad({ state: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  }, []);

  useEffect(() => run(false), [key, run]);
  const reload = useCallback(() => run(true), [run]);
  const update = useCallback(
    (change: (data: T) => T) =>
      setLoad((previous) =>
        previous.state === 'ready' ? { ...previous, data: change(previous.data) } : previous,
      ),
    [],
  );
  return [load, reload, update];
}
