import { normalizeOrigin, parseOriginList } from './origin-list';

describe('parseOriginList', () => {
  it('normalises web origins as a browser serialises Origin, a lone trailing slash dropped', () => {
    expect(parseOriginList(' HTTPS://App.Example.com:443/ , http://localhost:5173, *')).toEqual(['https://app.example.com', 'http://localhost:5173', '*']);
    expect(parseOriginList('')).toEqual([]);
  });

  describe("an app's origin (a hybrid app's WebView, an Electron custom protocol)", () => {
    it.each([
      ['capacitor://localhost', 'capacitor://localhost'],
      ['ionic://localhost', 'ionic://localhost'],
      ['tauri://localhost', 'tauri://localhost'],
      ['app://myapp', 'app://myapp'],
      ['chrome-extension://abcdefghijklmnop', 'chrome-extension://abcdefghijklmnop'],
      // URL gives these the origin "null"; the scheme and host are lower-cased by hand.
      ['Capacitor://LocalHost', 'capacitor://localhost'],
      ['capacitor://localhost/', 'capacitor://localhost'],
      // No scheme but http(s) has a default port: an explicit one is kept, even 80 or 443.
      ['app://myapp:8080', 'app://myapp:8080'],
      ['app://myapp:443/', 'app://myapp:443'],
      ['app://[::1]:9000', 'app://[::1]:9000'],
    ])('accepts %s as %s', (entry, normalised) => {
      expect(parseOriginList(entry)).toEqual([normalised]);
    });

    it('keeps web and app origins side by side, `*` too', () => {
      expect(parseOriginList('https://app.example.com, capacitor://localhost, *, Tauri://LOCALHOST')).toEqual([
        'https://app.example.com', 'capacitor://localhost', '*', 'tauri://localhost',
      ]);
    });

    it.each(['capacitor://localhost/index.html', 'capacitor://localhost?x=1', 'capacitor://localhost#top', 'app://user@myapp', 'app://user:pw@myapp'])(
      'refuses %s: scheme, host and port only',
      (entry) => expect(() => parseOriginList(entry)).toThrow(`"${entry}" is not an origin such as https://app.example.com or capacitor://localhost (scheme, host and port only, no path)`),
    );

    it.each(['capacitor://', 'capacitor:localhost', 'app:'])('refuses %s: no host', (entry) => {
      expect(() => parseOriginList(entry)).toThrow(`"${entry}" is not an origin such as https://app.example.com or capacitor://localhost`);
    });

    it('refuses a wildcard host', () => {
      expect(() => parseOriginList('app://*.myapp')).toThrow('"app://*.myapp": wildcards other than a lone "*" are not supported; list each origin');
    });
  });

  it.each(['null', 'NULL', 'https://app.example.com, null'])('refuses %s, saying why', (value) => {
    expect(() => parseOriginList(value)).toThrow(/^"null" is refused: sandboxed iframes and file:\/\/ pages send Origin: null, so allowing it would let any such page in$/i);
  });

  it.each([
    ['ws://x', 'ws:', /the socket's own URL/],
    ['wss://api.example.com', 'wss:', /the socket's own URL/],
    ['WSS://api.example.com', 'wss:', /the socket's own URL/],
    ['file:///home/me/index.html', 'file:', /Origin: null/],
    ['file://', 'file:', /Origin: null/],
    ['data:text/html', 'data:', /Origin: null/],
    ['javascript:alert(1)', 'javascript:', /the page it runs in/],
    ['blob:https://app.example.com/0b8f', 'blob:', /the page that made it/],
    ['about:blank', 'about:', /the page that opened it/],
    ['ftp://files.example.com', 'ftp:', /FTP/],
  ])("refuses %s: %s is never a page's origin", (entry, scheme, why) => {
    expect(() => parseOriginList(`https://app.example.com,${entry}`)).toThrow(`"${entry}" is refused: ${scheme} is never a page's origin (`);
    expect(() => parseOriginList(entry)).toThrow(why);
  });

  it.each(['bad-origin', 'app.example.com', 'localhost:3000', 'https://app.example.com/path', 'https://*.example.com'])('still refuses %s', (entry) => {
    expect(() => parseOriginList(entry)).toThrow(`"${entry}"`);
  });
});

describe('normalizeOrigin (a request\'s Origin header)', () => {
  it.each([
    ['capacitor://localhost', 'capacitor://localhost'],
    ['Capacitor://LocalHost', 'capacitor://localhost'],
    ['app://myapp:8080', 'app://myapp:8080'],
    ['https://App.Example.com:443', 'https://app.example.com'],
    // As before: a web Origin is read as URL reads it.
    ['https://app.example.com/path', 'https://app.example.com'],
  ])('serialises %s as a list entry is: %s', (origin, normalised) => {
    expect(normalizeOrigin(origin)).toBe(normalised);
    if (!origin.endsWith('/path')) expect(parseOriginList(origin)).toEqual([normalised]);
  });

  it.each(['null', '', 'not a url', 'capacitor:localhost', 'capacitor://localhost/index.html', 'app://user@myapp', 'file:///x', 'file://', 'ws://x', 'ftp://x', 'about:blank', 'data:text/html,hi'])(
    'gives %j no origin any entry could equal',
    (origin) => expect(normalizeOrigin(origin)).toBeUndefined(),
  );
});
