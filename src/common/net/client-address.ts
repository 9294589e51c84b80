import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Which header the proxies in front of us append the client to. */
export const PROXY_HEADERS = ['x-forwarded-for', 'forwarded'] as const;
export type ProxyHeader = (typeof PROXY_HEADERS)[number];

/** `(address, hop)`: hop 0 is the peer of our socket, 1 the address that peer reported, and so on. */
export type TrustFn = (address: string, hop: number) => boolean;

export interface ClientAddressPolicy {
  /** null: TRUST_PROXY off, the socket's peer is the client and no header is read. */
  trust: TrustFn | null;
  header: ProxyHeader;
}

export const NO_PROXY: ClientAddressPolicy = { trust: null, header: 'x-forwarded-for' };

/**
 * TRUST_PROXY, compiled once at start-up: `false`/empty (off), `true` (trust
 * every hop: only when nothing but the balancer can reach the service), a hop
 * count, or a comma list of addresses, CIDRs and proxy-addr's names
 * (loopback, linklocal, uniquelocal). Throws with a readable message.
 */
export function compileTrustProxy(value: string): TrustFn | null {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return null;
  if (v === 'true') return () => true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return (_address, hop) => hop < hops;
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  let matches: TrustFn;
  try {
    // proxy-addr is what Express uses for `trust proxy`: CIDR and IPv4-mapped IPv6 matching done right.
    matches = proxyaddr.compile(list);
  } catch (err) {
    throw new Error(`must be true, a hop count, or a comma list of addresses/CIDRs (${err instanceof Error ? err.message : String(err)})`);
  }
  return (address) => matches(address, 0);
}

/**
 * The client's address: the socket's peer, or, when TRUST_PROXY is set, the
 * first address in the proxy chain (walked from our end) that is not a trusted
 * proxy. The one function every per-address limit, audit row and log line uses,
 * for REST and WebSocket alike. With TRUST_PROXY off no header is read, so a
 * forged one changes nothing.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, policy: ClientAddressPolicy): string {
  let address = normalize(req.socket?.remoteAddress ?? '') ?? 'unknown';
  if (!policy.trust) return address;
  const chain = proxyChain(req.headers[policy.header], policy.header);
  for (let hop = 0; hop < chain.length; hop++) {
    if (!policy.trust(address, hop)) break;
    const next = normalize(chain[hop]);
    // `unknown`, an obfuscated RFC 7239 identifier or garbage: the last real address we know stands.
    if (!next) break;
    address = next;
  }
  return address;
}

/** The addresses a header lists, nearest proxy first (the reverse of how they are written). */
export function proxyChain(value: string | string[] | undefined, header: ProxyHeader): string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(',') : value;
  const entries = header === 'forwarded' ? forwardedFor(text) : text.split(',').map((s) => s.trim());
  return entries.filter((s) => s !== '').reverse();
}

/** The `for=` of each element of an RFC 7239 Forwarded header, in order; an element without one counts as `unknown`. */
function forwardedFor(text: string): string[] {
  return splitOutsideQuotes(text, ',').map((element) => {
    for (const pair of splitOutsideQuotes(element, ';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') return unquote(pair.slice(eq + 1).trim());
    }
    return 'unknown';
  });
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted && i + 1 < text.length) current += c + text[++i];
    else if (c === '"') { quoted = !quoted; current += c; }
    else if (c === sep && !quoted) { parts.push(current.trim()); current = ''; }
    else current += c;
  }
  parts.push(current.trim());
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** A bare IP from `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::ffff:1.2.3.4`; undefined when it is none. */
function normalize(raw: string): string | undefined {
  let s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(s);
  if (mapped) s = mapped[1];
  return isIP(s) ? s.toLowerCase() : undefined;
}

/** The scheme the client used: https on a TLS socket; behind a trusted proxy (TRUST_PROXY), what its X-Forwarded-Proto says; else http. */
export function requestScheme(req: Pick<IncomingMessage, 'socket' | 'headers'>, policy: ClientAddressPolicy): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const forwarded = policy.trust ? req.headers['x-forwarded-proto'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim().toLowerCase();
  return first === 'https' ? 'https' : 'http';
}
