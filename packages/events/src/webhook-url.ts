import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { WebhookUrlRefusedError } from './events.errors.js';

/**
 * Where a webhook may go (SSRF guard): https in production, http too in sandbox mode; never to a
 * private, link-local, shared or reserved address, and loopback only in sandbox mode. Checked when
 * an endpoint is saved and again on every connection (the name may resolve elsewhere later).
 */
export interface WebhookUrlPolicy {
  sandbox: boolean;
}

/** Why an address is refused, or null when a webhook may be delivered to it. */
export function refusedAddress(address: string, policy: WebhookUrlPolicy): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible form (::a.b.c.d) reach the IPv4 address.
    const compatible = v6.parts.slice(0, 6).every((p) => p === 0) && (v6.parts[6] !== 0 || v6.parts[7]! > 1);
    if (v6.isIPv4MappedAddress() || compatible) {
      const [hi, lo] = [v6.parts[6]!, v6.parts[7]!];
      parsed = new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
    }
  }
  const range = parsed.range();
  if (range === 'loopback') return policy.sandbox ? null : 'a loopback address (allowed in sandbox mode only)';
  // Only global unicast: private, link-local, shared (CGNAT), multicast, reserved… are all refused.
  return range === 'unicast' ? null : `a ${range} address`;
}

/** Checks an endpoint URL as it is saved: scheme, credentials, and a literal IP or a name that resolves only to allowed addresses. */
export async function checkWebhookUrl(input: { url: string; policy: WebhookUrlPolicy; resolve?: typeof resolveAll }): Promise<URL> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new WebhookUrlRefusedError({ url: input.url, reason: 'not a URL' });
  }
  const allowed = input.policy.sandbox ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol))
    throw new WebhookUrlRefusedError({ url: input.url, reason: input.policy.sandbox ? 'only http and https URLs' : 'only https URLs' });
  if (url.username || url.password) throw new WebhookUrlRefusedError({ url: input.url, reason: 'credentials in the URL' });
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [host] : await (input.resolve ?? resolveAll)(host).catch(() => []);
  if (!addresses.length) throw new WebhookUrlRefusedError({ url: input.url, reason: `${host} does not resolve` });
  for (const address of addresses) {
    const refused = refusedAddress(address, input.policy);
    if (refused) throw new WebhookUrlRefusedError({ url: input.url, reason: `${host} is ${refused}` });
  }
  return url;
}

export function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))),
  );
}

/**
 * A `lookup` for http.request that refuses to connect to a refused address: the check happens on
 * the address the socket will use, so a name re-pointed after it was saved cannot reach inside.
 */
export function guardedLookup(policy: WebhookUrlPolicy) {
  return (hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '');
      const refused = addresses.map((a) => refusedAddress(a.address, policy)).find((r) => r !== null);
      if (refused) {
        const denied: NodeJS.ErrnoException = new Error(`${hostname} is ${refused}`);
        denied.code = 'WEBHOOK_ADDRESS_REFUSED';
        return callback(denied, '');
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
