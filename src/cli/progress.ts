import cliProgress from 'cli-progress';

/** What one file's upload reports as it goes: bytes sent, then the batch's processing. */
export interface FileProgress {
  sent(bytes: number): void;
  uploaded(batchId: string, replayed: boolean): void;
  processing(status: string, percent: number): void;
  /** `note` is why the API refused the file or why the batch ended in error. */
  finished(status: string, note: string | null): void;
}

export interface ProgressReporter {
  file(name: string, size: number): FileProgress;
  stop(): void;
}

/** Bars on a terminal; plain lines (one per phase or progress change) when piped or in CI logs. */
export function progressReporter(interactive: boolean, log: (line: string) => void): ProgressReporter {
  return interactive ? barReporter() : lineReporter(log);
}

function barReporter(): ProgressReporter {
  const bars = new cliProgress.MultiBar(
    {
      format: '{name} |{bar}| {percentage}% {phase}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    file(name, size) {
      const bar = bars.create(Math.max(size, 1), 0, {
        name: name.padEnd(28).slice(0, 28),
        phase: 'uploading',
      });
      let sent = 0;
      return {
        sent: (bytes) => bar.update((sent += bytes)),
        uploaded: (batchId, replayed) => {
          bar.setTotal(100);
          bar.update(0, { phase: `${replayed ? 'already uploaded' : 'uploaded'} ${batchId}` });
        },
        processing: (status, percent) => bar.update(percent, { phase: status }),
        finished: (status) =>
          bar.update(status === 'loaded' ? 100 : bar.getProgress() * 100, { phase: status }),
      };
    },
    stop: () => bars.stop(),
  };
}

function lineReporter(log: (line: string) => void): ProgressReporter {
  return {
    file(name, size) {
      let sent = 0;
      let last = '';
      const say = (line: string) => {
        if (line !== last) {
          last = line;
          log(`${name}: ${line}`);
        }
      };
      say(`uploading ${size} bytes`);
      return {
        // One line per quarter of the file keeps CI logs short and still shows the bytes moving.
        sent: (bytes) => {
          const before = Math.floor((sent / Math.max(size, 1)) * 4);
          sent += bytes;
          if (Math.floor((sent / Math.max(size, 1)) * 4) > before) {
            say(`sent ${sent}/${size} bytes`);
          }
        },
        uploaded: (batchId, replayed) =>
          say(`${replayed ? 'already uploaded as' : 'uploaded as'} batch ${batchId}`),
        processing: (status, percent) => say(`${status} ${percent}%`),
        finished: (status, note) => say(note === null ? status : `${status}: ${note}`),
      };
    },
    stop: () => undefined,
  };
}
