import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { readToken } from '../session.js';
import { openStream, type LiveEvent } from './events.js';

type Listener = (event: LiveEvent) => void;

interface Live {
  /** True while the event stream is open; pages poll gently when it is not. */
  live: boolean;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<Live>({ live: false, subscribe: () => () => undefined });

/** One event stream per tab, shared by every page that shows batches. */
export function LiveProvider({ token, children }: { token: string; children: ComponentChildren }) {
  const [live, setLive] = useState(false);
  const listeners = useRef(new Set<Listener>());
  useEffect(
    () =>
      // The tab's token at each (re)connection: sessionStorage holds the latest sign-in.
      openStream(() => readToken() ?? token, {
        onLive: setLive,
        onEvent: (event) => listeners.current.forEach((listener) => listener(event)),
      }),
    [token],
  );
  const value = useMemo<Live>(
    () => ({
      live,
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [live],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** Says whether changes arrive live, so nobody wonders why a status does not move. */
export function LiveIndicator() {
  const { live } = useContext(LiveContext);
  return (
    <p class={live ? 'live on' : 'live'} role="status" data-testid="live">
      {live ? 'Live updates on' : 'Live updates paused (checking every few seconds)'}
    </p>
  );
}

// Polling fallback: slow enough that a page left open never reaches the rate limit.
export const POLL_MS = 5_000;

/**
 * Calls `listener` for each live event, and — only while the stream is down and `active` says
 * something shown can still change — calls `poll` every POLL_MS instead.
 */
export function useLive(listener: Listener, poll: () => void, active: boolean): boolean {
  const { live, subscribe } = useContext(LiveContext);
  const latest = useRef({ listener, poll });
  latest.current = { listener, poll };
  useEffect(() => subscribe((event) => latest.current.listener(event)), [subscribe]);
  useEffect(() => {
    if (live || !active) {
      return undefined;
    }
    const timer = setInterval(() => latest.current.poll(), POLL_MS);
    return () => clearInterval(timer);
  }, [live, active]);
  return live;
}
