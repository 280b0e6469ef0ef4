import type { KnownContactsService } from '../../src/contactIndex/contactIndexComposition.js';

/**
 * Turns the worker's contact-index hook on and off (issue #21 measurements). The in-process
 * worker's processor holds this very service object, so swapping its `begin` switches the hook
 * for the next job; "off" answers with a run that indexes and counts nothing.
 */
export function indexSwitch(service: KnownContactsService): (on: boolean) => void {
  const indexedBegin = service.begin;
  return (on) => {
    service.begin = on
      ? indexedBegin
      : () =>
          Promise.resolve({
            records: (inner) => inner,
            beforeLoaded: () => Promise.resolve(),
            nextInLine: () => Promise.resolve([]),
            abandon: () => Promise.resolve(),
          });
  };
}
