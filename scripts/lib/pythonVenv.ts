/**
 * Python command-line tools from PyPI in project-local venvs under `.tools/` (cqlsh for the
 * benchmark, schemathesis for the contract run), so nothing is installed system-wide.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, ServiceError, TOOLS_DIR, which } from '../services/common.js';

export interface PythonTool {
  /** Folder name under `.tools/`, e.g. `cqlsh-venv`. */
  venv: string;
  /** The venv's program to return, e.g. `cqlsh`. */
  bin: string;
  /** `pip install` arguments: package specs or `-r <requirements file>`. */
  pipArgs: readonly string[];
  /** Oldest Python the tool runs on, as [major, minor]. */
  minPython?: readonly [number, number];
  log?: (message: string) => void;
}

// What the venv was last installed from: `pipArgs` plus the text of any requirements file, so a
// changed pin reinstalls and an unchanged one costs nothing.
function installStamp(tool: PythonTool): string {
  const hash = createHash('sha256').update(JSON.stringify(tool.pipArgs));
  tool.pipArgs.forEach((arg, i) => {
    if (tool.pipArgs[i - 1] === '-r' || tool.pipArgs[i - 1] === '-c') {
      hash.update(fs.readFileSync(arg));
    }
  });
  return hash.digest('hex');
}

async function checkPython(python: string, min: readonly [number, number]): Promise<void> {
  const r = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  const [major = 0, minor = 0] = r.stdout.trim().split('.').map(Number);
  if (major < min[0] || (major === min[0] && minor < min[1])) {
    throw new ServiceError(
      `${python} is Python ${r.stdout.trim()}; this tool needs Python ${min.join('.')}+`,
    );
  }
}

/** Installs the tool into `.tools/<venv>` unless the same pins are already there; returns its path. */
export async function ensurePythonTool(tool: PythonTool): Promise<string> {
  const venv = path.join(TOOLS_DIR, tool.venv);
  const bin = path.join(venv, 'bin', tool.bin);
  const stampFile = path.join(venv, '.batchport-install');
  const stamp = installStamp(tool);
  if (fs.existsSync(bin) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) {
    return bin;
  }
  const python = which('python3');
  if (!python) {
    throw new ServiceError('python3 is missing. Install it: apt-get install -y python3 python3-venv');
  }
  await checkPython(python, tool.minPython ?? [3, 8]);
  tool.log?.(`installing ${tool.pipArgs.join(' ')} into ${venv}`);
  if (!fs.existsSync(path.join(venv, 'bin', 'pip'))) {
    fs.rmSync(venv, { recursive: true, force: true });
    const r = await run(python, ['-m', 'venv', venv]);
    if (r.code !== 0) {
      throw new ServiceError(
        `python3 -m venv failed (${r.stderr.trim()}). Install the venv module (Debian: apt-get install -y python3-venv) and retry.`,
      );
    }
  }
  const pip = await run(
    path.join(venv, 'bin', 'pip'),
    ['install', '-q', '--disable-pip-version-check', ...tool.pipArgs],
    { timeoutMs: 600_000 },
  );
  if (pip.code !== 0 || !fs.existsSync(bin)) {
    throw new ServiceError(
      `pip install ${tool.pipArgs.join(' ')} into ${venv} failed:\n${pip.stderr.trim()}`,
    );
  }
  fs.writeFileSync(stampFile, stamp);
  return bin;
}
