import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { WebhookTargetRefusedError } from '../errors.js';

/** What the SSRF guard lets through besides public unicast addresses over https. */
export interface TargetPolicy {
  /** Loopback, private, unique-local, multicast, unspecified... (development and tests only). */
  allowPrivate: boolean;
  /** Plain http (always outside production). */
  allowHttp: boolean;
}

/**
 * Why `address` may not be connected to, or null when it may. Link-local addresses
 * (169.254.0.0/16, fe80::/10: where cloud metadata services answer) are refused whatever the
 * policy; every other non-public range only while private targets are not allowed. IPv4 inside
 * IPv6 (mapped, NAT64) is judged as the IPv4 address it carries.
 */
export function addressRefusal(address: string, policy: Pick<TargetPolicy, 'allowPrivate'>): string | null {
  if (!ipaddr.isValid(address)) {
    return `${address} is not an IP address`;
  }
  let ip = ipaddr.process(address);
  if (ip.kind() === 'ipv6' && ['rfc6052', 'rfc6145'].includes(ip.range())) {
    ip = ipaddr.fromByteArray((ip as ipaddr.IPv6).toByteArray().slice(12));
  }
  const range = ip.range();
  if (range === 'linkLocal') {
    return `${address} is link-local (${ip.kind() === 'ipv4' ? '169.254.0.0/16' : 'fe80::/10'}), never a webhook target`;
  }
  if (range !== 'unicast' && !policy.allowPrivate) {
    return `${address} is a ${range} address; only public addresses are allowed`;
  }
  return null;
}

/** Checks the URL's form: http(s), no credentials, http only when allowed. Returns the URL. */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetRefusedError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new WebhookTargetRefusedError(
      policy.allowHttp
        ? 'url must use http or https'
        : 'url must use https (plain http is refused in production)',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookTargetRefusedError('url must not carry a user name or password');
  }
  return url;
}

/** The URL's host without IPv6 brackets (`[::1]` -> `::1`). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Resolves the URL's host and refuses it when ANY of its addresses is refused (registration). */
export async function checkTarget(raw: string, policy: TargetPolicy): Promise<URL> {
  const url = checkTargetUrl(raw, policy);
  const host = hostOf(url);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host);
  refuseAny(host, addresses, policy);
  return url;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (error, addresses) => {
      if (error) {
        reject(new WebhookTargetRefusedError(`cannot resolve ${host} (${error.code ?? error.message})`));
      } else {
        resolve(addresses);
      }
    });
  });
}

function refuseAny(host: string, addresses: LookupAddress[], policy: TargetPolicy): void {
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal !== null) {
      throw new WebhookTargetRefusedError(host === address ? refusal : `${host} resolves to ${refusal}`);
    }
  }
}

/**
 * A `lookup` for http(s).request: resolves, refuses the host when any address is refused, and
 * hands the socket only the addresses it checked, so the address connected to is one that was
 * checked (no second resolution an attacker's DNS could answer differently). IP-literal hosts
 * never reach a lookup; the sender checks those itself (`checkTargetUrl` + `addressRefusal`).
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      try {
        refuseAny(hostname, addresses, policy);
      } catch (refused) {
        callback(refused as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, addresses[0]!.address, addresses[0]!.family);
      }
    });
  };
}
