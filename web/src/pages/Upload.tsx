import { useEffect, useRef, useState } from 'preact/hooks';

import { Progress, StatusBadge } from '../components/Batch.js';
import { Failed, Loading } from '../components/States.js';
import { PreviewPanel } from '../upload/PreviewPanel.js';
import { requestPreview, type Mapping, type Preview } from '../upload/preview.js';
import { defaultRegion, REGIONS, regionName } from '../upload/regions.js';
import { SavedMappings } from '../upload/SavedMappings.js';
import { useUploadedBatches, type Uploaded } from '../upload/useUploadedBatches.js';
import {
  createUppy,
  keepFileListRole,
  setFileChoices,
  type BatchportUppy,
  type WebConfig,
} from '../upload/uppy.js';

type PreviewState =
  | { state: 'none' }
  | { state: 'loading'; fileId: string; fileName: string }
  | { state: 'failed'; fileId: string; fileName: string; message: string }
  | { state: 'ready'; fileId: string; fileName: string; preview: Preview };

interface Refusal {
  fileId: string;
  fileName: string;
  message: string;
}

/** Uppy tucks a file's error behind a "?" tooltip; the API's reason deserves plain sight. */
function Refusals({ refusals }: { refusals: Refusal[] }) {
  if (refusals.length === 0) {
    return null;
  }
  return (
    <div role="alert" class="failed" data-testid="refusals">
      <p>Not uploaded:</p>
      <ul>
        {refusals.map((r) => (
          <li key={r.fileId}>
            <strong>{r.fileName}</strong>: {r.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function UploadedList({ batches }: { batches: Uploaded[] }) {
  if (batches.length === 0) {
    return null;
  }
  return (
    <section aria-labelledby="uploaded-title">
      <h2 id="uploaded-title">Uploaded in this tab</h2>
      <ul class="uploaded" data-testid="uploaded">
        {batches.map((batch) => (
          <li key={batch.id} data-batch-id={batch.id}>
            <a href={`#/batches/${batch.id}`}>{batch.fileName}</a> <StatusBadge status={batch.status} />
            <Progress value={batch.progress} label={`Processing of ${batch.fileName}`} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The previewed file, asked for again whenever the region or its mapping changes. */
function usePreview(token: string, uppy: BatchportUppy | null, region: string) {
  const [preview, setPreview] = useState<PreviewState>({ state: 'none' });
  const [target, setTarget] = useState<{ fileId: string; mapping?: Mapping; encoding?: string } | null>(null);
  useEffect(() => {
    const file = target && uppy?.getFile(target.fileId);
    if (!file || !target || !(file.data instanceof Blob)) {
      setPreview({ state: 'none' });
      return undefined;
    }
    const controller = new AbortController();
    const { id: fileId, name: fileName = 'file' } = file;
    setPreview({ state: 'loading', fileId, fileName });
    const choices = { mapping: target.mapping, encoding: target.encoding };
    requestPreview(token, file.data, fileName, region, choices, controller.signal).then(
      (answer) => setPreview({ state: 'ready', fileId, fileName, preview: answer }),
      (error: unknown) =>
        controller.signal.aborted ||
        setPreview({
          state: 'failed',
          fileId,
          fileName,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
    return () => controller.abort();
  }, [token, uppy, region, target]);
  return { preview, setTarget };
}

export function Upload({ token, config }: { token: string; config: WebConfig }) {
  const dashboard = useRef<HTMLDivElement>(null);
  const [uppy, setUppy] = useState<BatchportUppy | null>(null);
  const [region, setRegion] = useState(defaultRegion);
  const { uploaded, answered } = useUploadedBatches(token);
  const [refusals, setRefusals] = useState<Refusal[]>([]);
  const { preview, setTarget } = usePreview(token, uppy, region);
  const [remember, setRemember] = useState(true);

  useEffect(() => {
    if (!dashboard.current) {
      return undefined;
    }
    const instance = createUppy(token, config, dashboard.current, defaultRegion());
    instance.on('file-added', (file) => setTarget({ fileId: file.id }));
    const settle = (fileId: string) => setRefusals((list) => list.filter((r) => r.fileId !== fileId));
    instance.on('file-removed', (file) => {
      settle(file.id);
      setTarget((t) => (t?.fileId === file.id ? null : t));
    });
    instance.on('upload-retry', (file) => settle(file.id));
    instance.on('upload-error', (file, error) => {
      if (file) {
        const refusal = { fileId: file.id, fileName: file.name ?? '', message: error.message };
        setRefusals((list) => [...list.filter((r) => r.fileId !== file.id), refusal]);
      }
    });
    instance.on('upload-success', (file, response) => {
      const answer = response.body;
      if (answer) {
        answered(answer, file?.name ?? '');
      }
    });
    setUppy(instance);
    const stopFixing = keepFileListRole(dashboard.current);
    return () => {
      stopFixing();
      instance.destroy();
    };
  }, [token, config, setTarget, answered]);

  useEffect(() => uppy?.setMeta({ phoneRegion: region }), [uppy, region]);
  useEffect(() => uppy?.setMeta({ rememberMapping: String(remember) }), [uppy, remember]);

  const changeMapping = (fileId: string, mapping: Mapping) => {
    if (uppy) {
      setFileChoices(uppy, fileId, { mapping: JSON.stringify(mapping) });
    }
    setTarget((t) => ({ ...(t?.fileId === fileId ? t : {}), fileId, mapping }));
  };
  const changeEncoding = (fileId: string, encoding: string) => {
    if (uppy) {
      setFileChoices(uppy, fileId, { encoding });
    }
    setTarget((t) => ({ ...(t?.fileId === fileId ? t : {}), fileId, encoding }));
  };

  return (
    <>
      <div class="toolbar">
        <label for="phone-region">Phone region for numbers without a country code</label>
        <select id="phone-region" value={region} onChange={(e) => setRegion(e.currentTarget.value)}>
          {REGIONS.map((code) => (
            <option key={code} value={code}>
              {regionName(code)} ({code})
            </option>
          ))}
        </select>
      </div>
      <div class="toolbar">
        <input
          id="remember-mapping"
          type="checkbox"
          checked={remember}
          onChange={(e) => setRemember(e.currentTarget.checked)}
        />
        <label for="remember-mapping">Remember the mapping I choose for files with the same columns</label>
      </div>
      <div ref={dashboard} class="dashboard" />
      <Refusals refusals={refusals} />
      <section aria-labelledby="preview-title">
        <h2 id="preview-title">Preview and mapping</h2>
        {preview.state === 'none' && (
          <p class="hint">Add a file to see how it will be read before uploading it.</p>
        )}
        {preview.state === 'loading' && <Loading what={`a preview of ${preview.fileName}`} />}
        {preview.state === 'failed' && <Failed message={`${preview.fileName}: ${preview.message}`} />}
        {preview.state === 'ready' && (
          <PreviewPanel
            fileName={preview.fileName}
            preview={preview.preview}
            onMappingChange={(mapping) => changeMapping(preview.fileId, mapping)}
            onEncodingChange={(encoding) => changeEncoding(preview.fileId, encoding)}
          />
        )}
      </section>
      <UploadedList batches={uploaded} />
      <SavedMappings token={token} version={uploaded.length} />
    </>
  );
}
