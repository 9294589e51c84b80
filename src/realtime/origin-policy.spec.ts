import { AppConfig } from '../config/app-config';
import { isOriginAllowed } from './origin-policy';

const ws = (env: Record<string, string> = {}) => AppConfig.fromEnvironment({ NODE_ENV: 'test', ...env }).ws;
const HOST = 'portcullis.example:3000';

describe('isOriginAllowed', () => {
  describe('with WS_ALLOWED_ORIGINS', () => {
    const cfg = ws({ WS_ALLOWED_ORIGINS: 'https://good.example, http://localhost:5173' });

    it.each(['https://good.example', 'HTTPS://GOOD.EXAMPLE', 'https://good.example:443', 'http://localhost:5173'])('allows %s', (origin) => {
      expect(isOriginAllowed(origin, HOST, cfg)).toBe(true);
    });

    it.each([
      'https://good.example.evil.com',
      'https://evil.good.example',
      'http://good.example',
      'https://good.example:8443',
      'http://localhost:5174',
      'https://evil.com/?https://good.example',
      'null',
      'file://',
      'not a url',
    ])('refuses %s (exact match only)', (origin) => {
      expect(isOriginAllowed(origin, HOST, cfg)).toBe(false);
    });

    it("does not fall back to same-origin when a list is set", () => {
      expect(isOriginAllowed(`http://${HOST}`, HOST, cfg)).toBe(false);
    });
  });

  describe("with an app's origin listed", () => {
    const cfg = ws({ WS_ALLOWED_ORIGINS: 'https://good.example, Capacitor://LocalHost/, app://myapp:8080' });

    it.each(['capacitor://localhost', 'CAPACITOR://LOCALHOST', 'capacitor://localhost/', 'app://myapp:8080', 'https://good.example'])('allows %s', (origin) => {
      expect(isOriginAllowed(origin, HOST, cfg)).toBe(true);
    });

    it.each([
      'ionic://localhost',
      'capacitor://localhost:80',
      'capacitor://localhost.evil',
      'capacitor://evil.localhost',
      'capacitor://localhost/index.html',
      'capacitor://user@localhost',
      'capacitor:localhost',
      'app://myapp',
      'app://myapp:8081',
      'http://localhost',
      'https://localhost',
      'null',
    ])('refuses %s (exact match of scheme, host and port)', (origin) => {
      expect(isOriginAllowed(origin, HOST, cfg)).toBe(false);
    });
  });

  it("refuses an app's origin when no list is set (same origin only)", () => {
    expect(isOriginAllowed('capacitor://localhost', HOST, ws())).toBe(false);
  });

  describe('with `*`', () => {
    it('allows any http(s) origin', () => {
      const cfg = ws({ WS_ALLOWED_ORIGINS: '*' });
      expect(isOriginAllowed('https://anything.example', HOST, cfg)).toBe(true);
      expect(isOriginAllowed('https://good.example.evil.com', HOST, cfg)).toBe(true);
    });

    it("allows an app's origin only when it is listed beside `*`, and `null` never", () => {
      expect(isOriginAllowed('capacitor://localhost', HOST, ws({ WS_ALLOWED_ORIGINS: '*' }))).toBe(false);
      const cfg = ws({ WS_ALLOWED_ORIGINS: '*, capacitor://localhost' });
      expect(isOriginAllowed('capacitor://localhost', HOST, cfg)).toBe(true);
      expect(isOriginAllowed('https://anything.example', HOST, cfg)).toBe(true);
      expect(isOriginAllowed('ionic://localhost', HOST, cfg)).toBe(false);
      expect(isOriginAllowed('null', HOST, cfg)).toBe(false);
      expect(isOriginAllowed('file://', HOST, cfg)).toBe(false);
    });
  });

  describe('a missing Origin (non-browser client)', () => {
    it.each([undefined, ''])('is allowed by default (%j)', (origin) => {
      expect(isOriginAllowed(origin, HOST, ws())).toBe(true);
      expect(isOriginAllowed(origin, HOST, ws({ WS_ALLOWED_ORIGINS: 'https://good.example' }))).toBe(true);
    });

    it.each([undefined, ''])('is refused with WS_REQUIRE_ORIGIN=true (%j), even with `*`', (origin) => {
      expect(isOriginAllowed(origin, HOST, ws({ WS_REQUIRE_ORIGIN: 'true' }))).toBe(false);
      expect(isOriginAllowed(origin, HOST, ws({ WS_REQUIRE_ORIGIN: 'true', WS_ALLOWED_ORIGINS: '*' }))).toBe(false);
    });
  });

  describe('with no list: same origin only', () => {
    const cfg = ws();
    it('allows the service its own origin: scheme, host and port', () => {
      expect(isOriginAllowed(`http://${HOST}`, HOST, cfg)).toBe(true);
      expect(isOriginAllowed(`HTTP://${HOST.toUpperCase()}`, HOST, cfg)).toBe(true);
      expect(isOriginAllowed(`https://${HOST}`, HOST, cfg, 'https')).toBe(true);
      expect(isOriginAllowed('https://portcullis.example', 'portcullis.example:443', cfg, 'https')).toBe(true);
    });
    it('refuses the same host on the other scheme', () => {
      expect(isOriginAllowed(`https://${HOST}`, HOST, cfg)).toBe(false);
      expect(isOriginAllowed(`http://${HOST}`, HOST, cfg, 'https')).toBe(false);
    });
    it.each(['http://portcullis.example', 'http://portcullis.example:3001', 'http://portcullis.example:3000.evil.com', 'https://evil.example'])(
      'refuses %s',
      (origin) => expect(isOriginAllowed(origin, HOST, cfg)).toBe(false),
    );
    it('refuses any browser origin when the request has no Host', () => {
      expect(isOriginAllowed(`http://${HOST}`, undefined, cfg)).toBe(false);
    });
  });
});
