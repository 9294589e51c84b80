/**
 * A comma list of browser origins, as CORS_ORIGINS and WS_ALLOWED_ORIGINS
 * take them: each entry `*` or `scheme://host[:port]` (http or https).
 * Entries are normalised as a browser serialises `Origin` (lower case, no
 * default port, no trailing slash), so matching is a plain string comparison.
 * A lone trailing `/` is dropped, as when an origin is pasted from the address
 * bar; any other path, a query, a fragment or user info is refused, since a
 * browser's `Origin` never carries one and the entry could never match.
 * Throws naming the first bad entry; the caller adds the variable's name.
 */
export function parseOriginList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map(parseOrigin);
}

const EXAMPLE = 'an origin such as https://app.example.com';

function parseOrigin(entry: string): string {
  if (entry === '*') return entry;
  let url: URL | undefined;
  try {
    // Without "://", URL would read `app.example.com:3000` as a scheme and `http:host` as a host.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) url = new URL(entry);
  } catch { /* refused below */ }
  if (!url) throw new Error(`"${entry}" is not ${EXAMPLE}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${entry}" is not ${EXAMPLE} (http or https only)`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new Error(`"${entry}" is not ${EXAMPLE} (scheme, host and port only, no path)`);
  }
  if (url.hostname.includes('*')) throw new Error(`"${entry}": wildcards other than a lone "*" are not supported; list each origin`);
  return url.origin.toLowerCase();
}
