import type { BatchStatus } from '../api.js';

export function StatusBadge({ status }: { status: BatchStatus }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <div class="progress">
      <progress max={100} value={value} aria-label={label} />
      <span aria-hidden="true">{value}%</span>
    </div>
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const kib = bytes / 1024;
  return kib < 1024 ? `${kib.toFixed(1)} KiB` : `${(kib / 1024).toFixed(1)} MiB`;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
