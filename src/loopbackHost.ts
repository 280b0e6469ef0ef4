import { isIP } from 'node:net';

/**
 * Loopback names and addresses: `localhost`, 127.0.0.0/8 and ::1. The dev token route is for a
 * developer's own machine only (src/http/controllers/devTokenController.ts).
 */
export function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') {
    return true;
  }
  if (isIP(name) === 4) {
    return name.startsWith('127.');
  }
  return isIP(name) === 6 && (name === '::1' || name === '0:0:0:0:0:0:0:1');
}

/**
 * The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), or undefined when it is not
 * one: a header naming any other host (a DNS-rebinding page's own name) is never loopback.
 */
export function hostHeaderName(header: string | undefined): string | undefined {
  if (!header) {
    return undefined;
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim());
  return match?.[1];
}
