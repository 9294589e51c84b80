/**
 * /demo as the service serves it: on by default outside production, absent
 * when DEMO_ENABLED=false or in production, and only the page's own files and
 * the SDK's build are reachable under it. (test/browser.e2e-spec.ts drives
 * the page itself in Chromium.)
 */
import { startTestApp, TestApp } from './helpers/test-app';

describe('/demo (e2e)', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  it('serves the page, which loads the SDK from /demo/sdk, without a token', async () => {
    t = await startTestApp();
    const page = await t.http().get('/demo');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/demo/app.js">');
    const app = await t.http().get('/demo/app.js');
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
    expect(app.text).toContain("from '/demo/sdk/index.js'");
    expect((await t.http().get('/demo/demo.css')).status).toBe(200);
  });

  it('serves nothing outside the page and the SDK build', async () => {
    t = await startTestApp();
    for (const path of ['/demo/..%2Fpackage.json', '/demo/sdk/..%2F..%2Fpackage.json', '/demo/sdk/index.d.ts', '/demo/index.html.bak', '/demo/sdk/%2Fetc%2Fpasswd.js']) {
      expect([path, (await t.http().get(path)).status]).toEqual([path, 404]);
    }
  });

  it.each([
    ['DEMO_ENABLED=false', { DEMO_ENABLED: 'false' }],
    ['production by default', { NODE_ENV: 'production', JWT_SECRET: 'a-real-production-secret-of-sufficient-length' }],
  ])('is absent with %s', async (_name, env) => {
    t = await startTestApp(env);
    expect((await t.http().get('/demo')).status).toBe(404);
    expect((await t.http().get('/demo/app.js')).status).toBe(404);
  });

  it('is served in production when DEMO_ENABLED=true', async () => {
    t = await startTestApp({ NODE_ENV: 'production', JWT_SECRET: 'a-real-production-secret-of-sufficient-length', DEMO_ENABLED: 'true' });
    expect((await t.http().get('/demo')).status).toBe(200);
  });
});
