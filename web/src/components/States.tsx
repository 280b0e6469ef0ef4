import type { ComponentChildren } from 'preact';
import type { Load } from '../useLoad.js';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status">
      Loading {what}…
    </p>
  );
}

export function Failed({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="state failed" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** Loading and error states of a Load; renders `ready` once there is data. */
export function Loaded<T>({
  load,
  what,
  retry,
  ready,
}: {
  load: Load<T>;
  what: string;
  retry: () => void;
  ready: (data: T) => ComponentChildren;
}) {
  switch (load.state) {
    case 'loading':
      return <Loading what={what} />;
    case 'failed':
      return <Failed message={load.message} retry={retry} />;
    case 'ready':
      return <>{ready(load.data)}</>;
  }
}
