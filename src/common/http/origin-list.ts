/**
 * A comma list of origins, as CORS_ORIGINS and WS_ALLOWED_ORIGINS take them:
 * each entry `*` or `scheme://host[:port]`. A web origin (http or https) is
 * normalised as a browser serialises `Origin` (lower case, no default port, no
 * trailing slash). An app's origin — a hybrid app's WebView (Capacitor's
 * `capacitor://localhost`) or an Electron custom protocol — is normalised the
 * same way by hand, since URL gives such a scheme the origin "null": scheme
 * and host lower-cased, an explicit port kept (no such scheme has a default).
 * Matching is then a plain string comparison.
 * A lone trailing `/` is dropped, as when an origin is pasted from the address
 * bar; any other path, a query, a fragment or user info is refused, since a
 * browser's `Origin` never carries one and the entry could never match. So are
 * `null` and the schemes that are never a page's origin, saying why.
 * Throws naming the first bad entry; the caller adds the variable's name.
 */
export function parseOriginList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map(parseOrigin);
}

/**
 * A request's `Origin` serialised as parseOriginList serialises an entry, or
 * undefined when no entry could equal it (`null`, a scheme that is never a
 * page's origin, no origin at all). A web origin is read as URL reads it, any
 * path dropped; an app's must be a bare scheme://host[:port], like its entry.
 */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (WEB_SCHEMES.includes(url.protocol)) return url.origin.toLowerCase();
  if (NOT_AN_ORIGIN.has(url.protocol) || !url.hostname || !isBare(url)) return undefined;
  return serialize(url);
}

/** http or https: what a lone `*` stands for. An app's origin is allowed only by name. */
export function isWebOrigin(origin: string): boolean {
  return /^https?:\/\//.test(origin);
}

const EXAMPLE = 'an origin such as https://app.example.com or capacitor://localhost';
const WEB_SCHEMES = ['http:', 'https:'];

// Every opaque origin serialises as "null" (HTML, Fetch), whatever page it belongs to.
const NULL_WHY = 'sandboxed iframes and file:// pages send Origin: null, so allowing it would let any such page in';
const SOCKET_URL = "it is the socket's own URL: list the origin of the page that opens the socket";
/** Schemes that are never a page's origin, with what to list instead. ftp: is one since browsers stopped loading pages over it. */
const NOT_AN_ORIGIN = new Map([
  ['ws:', SOCKET_URL],
  ['wss:', SOCKET_URL],
  ['file:', 'file:// pages send Origin: null'],
  ['data:', 'a data: document sends Origin: null'],
  ['javascript:', 'a javascript: URL runs in a page and has the origin of the page it runs in'],
  ['blob:', 'a blob: document has the origin of the page that made it: list that one'],
  ['filesystem:', 'a filesystem: document has the origin of the page that made it: list that one'],
  ['about:', 'about:blank has the origin of the page that opened it, or null: list that one'],
  ['ftp:', 'browsers no longer load pages over FTP'],
]);

function parseOrigin(entry: string): string {
  if (entry === '*') return entry;
  if (entry.toLowerCase() === 'null') throw new Error(`"${entry}" is refused: ${NULL_WHY}`);
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(entry)?.[1].toLowerCase();
  const why = scheme && NOT_AN_ORIGIN.get(scheme);
  if (why) throw new Error(`"${entry}" is refused: ${scheme} is never a page's origin (${why})`);
  let url: URL | undefined;
  try {
    // Without "://", URL would read `app.example.com:3000` as a scheme and `http:host` as a host.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) url = new URL(entry);
  } catch { /* refused below */ }
  if (!url?.hostname) throw new Error(`"${entry}" is not ${EXAMPLE}`);
  if (!isBare(url)) throw new Error(`"${entry}" is not ${EXAMPLE} (scheme, host and port only, no path)`);
  if (url.hostname.includes('*')) throw new Error(`"${entry}": wildcards other than a lone "*" are not supported; list each origin`);
  return serialize(url);
}

/** Scheme, host and port, and at most a lone `/`: URL gives an app scheme's bare host an empty path, a web one "/". */
function isBare(url: URL): boolean {
  return (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash && !url.username && !url.password;
}

function serialize(url: URL): string {
  if (WEB_SCHEMES.includes(url.protocol)) return url.origin.toLowerCase();
  // URL keeps an app scheme's host as written (an opaque host); `host` holds the explicit port, if any.
  return `${url.protocol}//${url.host.toLowerCase()}`;
}
