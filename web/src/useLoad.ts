import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Load<T> =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; data: T; refreshing: boolean };

/**
 * Runs `fetcher` when `key` changes; `reload` runs it again keeping what is shown meanwhile.
 * An answer that arrives after a newer request started is dropped.
 */
export function useLoad<T>(
  fetcher: () => Promise<T>,
  key: string,
): [Load<T>, () => void, (update: (data: T) => T) => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const generation = useRef(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;

  const run = useCallback((keep: boolean) => {
    const mine = ++generation.current;
    setLoad((previous) =>
      keep && previous.state === 'ready' ? { ...previous, refreshing: true } : { state: 'loading' },
    );
    latest.current().then(
      (data) => mine === generation.current && setLoad({ state: 'ready', data, refreshing: false }),
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
