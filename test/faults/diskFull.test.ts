/**
 * Local storage on a full disk: a small tmpfs as LOCAL_STORAGE_DIR, filled up. An upload then
 * answers 507 with a clear message and leaves nothing (no row, no file, no temp file); once
 * space is freed, uploads succeed again. Needs root (mount); fails, never skips, without it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv } from '../support/contactsCsv.js';
import { api, newUser, startStack, uploadForm, type TestStack } from '../support/testStack.js';

const DISK_BYTES = 2 * 1024 * 1024;
const FILLER = 'filler.bin';

function mountTmpfs(dir: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES},mode=0700`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(
      `this test needs root: it mounts a ${DISK_BYTES}-byte tmpfs at ${dir} to fill it ` +
        `(${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)})`,
    );
  }
}

/** Writes zeros until the disk refuses (ENOSPC): the volume is then full. */
function fill(dir: string): void {
  const fd = fs.openSync(path.join(dir, FILLER), 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      fs.writeSync(fd, chunk);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw error;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Every file on the volume, relative to it. */
function filesOn(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('local storage on a full disk', () => {
  let stack: TestStack;
  let disk: string;

  beforeAll(async () => {
    disk = await mkdtemp(path.join(tmpdir(), 'batchport-full-'));
    mountTmpfs(disk);
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: false,
      env: { LOCAL_STORAGE_DIR: disk },
    });
  });
  afterAll(async () => {
    await stack?.close();
    execFileSync('umount', [disk]);
    fs.rmdirSync(disk);
  });

  it('answers 507 "storage is full", keeps nothing, and accepts uploads again once space is freed', async () => {
    const user = await newUser('disk-full');
    const csv = contactsCsv(6_000); // ~600 KB: more than a full disk has, less than an empty one
    const before = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(csv, 'before.csv'),
    });
    expect(before.status, before.text).toBe(201);
    const storedBefore = filesOn(disk);

    fill(disk);
    const full = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(csv, 'full.csv'),
    });
    expect(full.status, full.text).toBe(507);
    expect(full.body.error).toEqual({
      code: 'storage_full',
      message: 'storage is full: the file was not kept; try again once space is freed',
    });
    expect(full.headers.get('retry-after')).toBe('60');
    // Nothing half-written: no new row, no new file, no temp file.
    const { rows } = await stack.db.query('SELECT id FROM batches WHERE user_id = $1', [user.id]);
    expect(rows.map((r: { id: string }) => r.id)).toEqual([before.body.id]);
    expect(filesOn(disk)).toEqual([...storedBefore, FILLER].sort());

    fs.rmSync(path.join(disk, FILLER));
    const after = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(csv, 'after.csv'),
    });
    expect(after.status, after.text).toBe(201);
  });
});
