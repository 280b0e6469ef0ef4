import { useCallback, useRef, useState } from 'preact/hooks';
import { client, isActive, ok, type Batch } from '../api.js';
import { useLive } from '../live/LiveContext.js';
import { applyChange, newest, type Versioned } from '../versions.js';

/** A batch this tab uploaded, as far as the page knows: the upload's answer, then its events. */
export type Uploaded = Pick<Batch, 'id' | 'fileName' | 'status' | 'progress' | 'version'>;

const EARLY_EVENTS_KEPT = 50;

/**
 * The batches this tab uploaded, kept current from the live stream (polled while it is down).
 * A small file may be processed before its upload's answer arrives, so the newest event of each
 * recent batch is remembered and wins over an older answer (versions.ts).
 */
export function useUploadedBatches(token: string) {
  const [uploaded, setUploaded] = useState<Uploaded[]>([]);
  const early = useRef(new Map<string, Uploaded>());

  const answered = useCallback((answer: Omit<Uploaded, 'fileName' | 'progress'>, fileName: string) => {
    const seen = early.current.get(answer.id);
    early.current.delete(answer.id);
    const fromAnswer = {
      id: answer.id,
      status: answer.status,
      version: answer.version,
      fileName,
      progress: 0,
    };
    const batch = seen ? newest(fromAnswer, seen) : fromAnswer;
    setUploaded((list) => [batch, ...list.filter((b) => b.id !== batch.id)]);
  }, []);

  const merge = (change: Partial<Uploaded> & Versioned) =>
    setUploaded((list) => list.map((b) => applyChange(b, change)));
  const remember = (change: Uploaded) => {
    early.current.delete(change.id);
    early.current.set(change.id, change);
    // Only batches whose upload answer is still on its way matter; keep the newest few.
    if (early.current.size > EARLY_EVENTS_KEPT) {
      early.current.delete(early.current.keys().next().value ?? '');
    }
  };
  const poll = () =>
    uploaded
      .filter((batch) => isActive(batch.status))
      .forEach((batch) => {
        ok(client(token).GET('/api/batches/{id}/status', { params: { path: { id: batch.id } } })).then(
          merge,
          () => undefined,
        );
      });
  useLive(
    (event) => {
      if (event.kind === 'batch') {
        const { fileName, id, status, progress, version } = event.batch;
        remember({ fileName, id, status, progress, version });
        merge({ id, status, progress, version });
      }
    },
    poll,
    uploaded.some((batch) => isActive(batch.status)),
  );
  return { uploaded, answered };
}
