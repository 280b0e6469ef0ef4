/**
 * Keeps the stack's fixed ports out of Linux's ephemeral range.
 *
 * Every service port (55432 … 59042) lies inside the default ephemeral range (32768–60999), so
 * while a service is down (an outage test, a restart) any outgoing connection on the machine may
 * take its port as a source port, and the service cannot bind it again until that connection
 * closes. A CI run saw exactly this: SeaweedFS's filer port was taken during a storage outage test
 * and `weed` refused to start. `net.ipv4.ip_local_reserved_ports` tells the kernel never to hand
 * these ports out automatically; listening on them still works. It needs root, so `.ci/run` calls
 * it and a developer may (docs/services.md, Gotchas).
 */
import fs from 'node:fs';
import { BASE_PORTS, checkPortOffset, port, ServiceError, type PortName } from './common.js';

export const RESERVED_PORTS_SYSCTL = '/proc/sys/net/ipv4/ip_local_reserved_ports';

type Range = readonly [number, number];

/** Parses the sysctl's text ("48337,55432,58333-58347"; empty = none) into sorted, merged ranges. */
export function parseReservedPorts(text: string): Range[] {
  const ranges: Range[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') {
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) {
      throw new ServiceError(
        `cannot read ${RESERVED_PORTS_SYSCTL}: unexpected entry ${JSON.stringify(part)}`,
      );
    }
    const lo = Number(m[1]);
    ranges.push([lo, m[2] === undefined ? lo : Number(m[2])]);
  }
  return mergeRanges(ranges);
}

function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) {
      last[1] = Math.max(last[1], hi);
    } else {
      out.push([lo, hi]);
    }
  }
  return out;
}

/** The sysctl's text for ranges, in the kernel's own format. */
export function formatReservedPorts(ranges: readonly Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
}

/** The existing reservation plus `ports`, keeping whatever else the machine reserved. */
export function withReservedPorts(existing: string, ports: readonly number[]): string {
  return formatReservedPorts(
    mergeRanges([...parseReservedPorts(existing), ...ports.map((p) => [p, p] as const)]),
  );
}

/** Every port this process's stack binds (the offset applied). */
export function stackPorts(): number[] {
  checkPortOffset();
  return (Object.keys(BASE_PORTS) as PortName[]).map((name) => port(name));
}

/**
 * Adds the stack's ports to the kernel's reserved list. Returns the list as it now stands.
 * Throws a ServiceError saying what to do when the sysctl cannot be written (not root, or a
 * read-only /proc/sys in a container).
 */
export function reserveStackPorts(file = RESERVED_PORTS_SYSCTL): { before: string; after: string } {
  let before: string;
  try {
    before = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ServiceError(`cannot read ${file}: ${(error as Error).message} (not Linux?)`);
  }
  const after = withReservedPorts(before, stackPorts());
  if (after !== before) {
    try {
      fs.writeFileSync(file, `${after}\n`);
    } catch (error) {
      throw new ServiceError(
        `cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
          `as root: sysctl -w net.ipv4.ip_local_reserved_ports=${after}`,
      );
    }
  }
  return { before, after };
}
