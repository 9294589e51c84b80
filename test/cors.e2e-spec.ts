import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

const APP = 'https://app.example.com';

/** Real preflights, as a browser sends them before a cross-origin login or an authorized call. */
const preflight = (t: TestApp, path: string, origin: string, method = 'POST', headers = 'content-type') =>
  t.http().options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', headers);

describe('CORS_ORIGINS (e2e)', () => {
  describe('with a list of origins', () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ CORS_ORIGINS: `${APP}, http://localhost:5173` }); });
    afterAll(async () => { await t.close(); });

    it('answers a preflight from a listed origin with that origin, the methods and the headers', async () => {
      const res = await preflight(t, '/v1/auth/login', APP).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);

      const authorized = await preflight(t, '/v1/auth/me', 'http://localhost:5173', 'GET', 'authorization').expect(204);
      expect(authorized.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(authorized.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
    });

    it('marks the actual request from a listed origin, exposing X-Request-Id', async () => {
      const u = await createUser(t);
      const res = await t.http().post('/v1/auth/login').set('Origin', APP).send({ email: u.email, password: u.password }).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
      const me = await t.http().get('/v1/auth/me').set('Origin', APP).set('Authorization', `Bearer ${u.accessToken}`).expect(200);
      expect(me.headers['access-control-allow-origin']).toBe(APP);
    });

    it('gives an unlisted origin no Access-Control-Allow-Origin, matching exactly (scheme, host, port)', async () => {
      for (const origin of ['https://evil.example.com', 'http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil.test', 'null']) {
        const pre = await preflight(t, '/v1/auth/login', origin);
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
        const actual = await t.http().get('/health').set('Origin', origin).expect(200);
        expect(actual.headers['access-control-allow-origin']).toBeUndefined();
      }
    });
  });

  describe("with an app's origin listed", () => {
    const CAPACITOR = 'capacitor://localhost';
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ CORS_ORIGINS: `${APP}, Capacitor://LocalHost/, tauri://localhost` }); });
    afterAll(async () => { await t.close(); });

    it('answers its preflight and its requests with that origin', async () => {
      for (const origin of [CAPACITOR, 'tauri://localhost']) {
        const pre = await preflight(t, '/v1/auth/me', origin, 'GET', 'authorization').expect(204);
        expect(pre.headers['access-control-allow-origin']).toBe(origin);
        expect(pre.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
        expect(pre.headers.vary).toMatch(/Origin/);
      }
      const u = await createUser(t);
      const me = await t.http().get('/v1/auth/me').set('Origin', CAPACITOR).set('Authorization', `Bearer ${u.accessToken}`).expect(200);
      expect(me.headers['access-control-allow-origin']).toBe(CAPACITOR);
      expect(me.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
      // The web origin beside it is answered as before.
      const web = await t.http().get('/health').set('Origin', APP).expect(200);
      expect(web.headers['access-control-allow-origin']).toBe(APP);
    });

    it("matches an app's origin normalised like its entry, echoing it as sent; a web origin still only as a browser sends it", async () => {
      const upper = await t.http().get('/health').set('Origin', 'CAPACITOR://LOCALHOST').expect(200);
      expect(upper.headers['access-control-allow-origin']).toBe('CAPACITOR://LOCALHOST');
      for (const origin of ['HTTPS://APP.EXAMPLE.COM', `${APP}:443`, `${APP}/`]) {
        const res = await t.http().get('/health').set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('gives an unlisted app origin, or null, no Access-Control-Allow-Origin; the preflight still ends 204', async () => {
      for (const origin of ['ionic://localhost', 'capacitor://localhost:8080', 'capacitor://evil', 'app://myapp', 'null']) {
        const pre = await preflight(t, '/v1/auth/login', origin).expect(204);
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
        const actual = await t.http().get('/health').set('Origin', origin).expect(200);
        expect(actual.headers['access-control-allow-origin']).toBeUndefined();
      }
    });
  });

  describe('with *', () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ CORS_ORIGINS: '*' }); });
    afterAll(async () => { await t.close(); });

    it('allows any origin, without credentials', async () => {
      const res = await preflight(t, '/v1/auth/refresh', 'https://anything.example').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const actual = await t.http().get('/health').set('Origin', 'https://anything.example').expect(200);
      expect(actual.headers['access-control-allow-origin']).toBe('*');
    });
  });

  describe('empty (the default)', () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp(); });
    afterAll(async () => { await t.close(); });

    it('sends no CORS header at all, and a preflight finds no route', async () => {
      const pre = await preflight(t, '/v1/auth/login', APP).expect(404);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const actual = await t.http().get('/health').set('Origin', APP).expect(200);
      expect(Object.keys(actual.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    });
  });
});
