import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { settingNames } from '../src/config/env.validation';
import { startTestApp, TestApp } from './helpers/test-app';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const run = promisify(execFile);
// A plain script (it runs before any build, and in the image): loaded as it is.
const nodeFlagsScript = require('../scripts/node-flags.js') as {
  ALWAYS: string[]; FROM_V8_13: string[]; ALL: string[]; nodeFlags: (node?: string, v8?: string) => string[];
};

/** The deployment files cannot be run here (no container runtime); what they rely on can be checked. */
describe('deployment files (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('docs/grafana-dashboard.json: every panel queries only metrics the service exports', async () => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    const exported = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name);
      if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s);
    }
    const dashboard = JSON.parse(read('docs/grafana-dashboard.json')) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const graphs = dashboard.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) {
        const metrics = [...expr.matchAll(/\b((?:portcullis|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
        expect(metrics.length).toBeGreaterThan(0);
        for (const m of metrics) expect({ panel: panel.title, metric: m, exported: exported.has(m) }).toEqual({ panel: panel.title, metric: m, exported: true });
      }
    }
  });

  it('scripts/healthcheck.js (the image HEALTHCHECK) exits 0 on a healthy service and 1 when nothing answers', async () => {
    const port = new URL(t.baseUrl).port;
    await expect(run(process.execPath, [join(ROOT, 'scripts/healthcheck.js')], { env: { PORT: port } })).resolves.toBeDefined();
    await expect(run(process.execPath, [join(ROOT, 'scripts/healthcheck.js')], { env: { PORT: '1' } })).rejects.toMatchObject({ code: 1 });
  });

  it('Dockerfile: multi-stage, production dependencies only, non-root, HEALTHCHECK, node as PID 1; copies files that exist and are not ignored', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^RUN npm run build:server$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "scripts\/healthcheck.js"\]$/m);
    // The image runs node with the flags `npm start` / `npm run start:prod` (and the bench) take from scripts/node-flags.js
    // on the image's Node: all of them (the next test checks what another Node gets).
    const cmd = /^CMD \["node", ((?:"--[a-z-]+(?:=\S+)?", )*)"dist\/src\/main.js"\]$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    const flags = [...cmd![1].matchAll(/"(--[^"]+)"/g)].map((m) => m[1]);
    expect(flags).toEqual(nodeFlagsScript.ALL);
    expect(flags).toContain('--single-threaded-gc');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'start:prod']) expect(scripts[name]).toBe('exec node $(node scripts/node-flags.js) dist/src/main.js');
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const [, args] of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+)$/gm)) {
      for (const source of args.split(' ').slice(0, -1)) {
        expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
        expect(ignored).not.toContain(source.split('/')[0]);
      }
    }
    // The CI proof runs the same stages.
    const verify = read('scripts/verify-production.sh');
    for (const command of ['npm ci --omit=dev', 'npm run build:server', 'npm run -s start:prod', 'scripts/healthcheck.js']) expect(verify).toContain(command);
    // The same production install as the image's, TypeScript left out (the verify script checks it is absent).
    const prodInstall = (text: string) => /npm ci (--omit=\S+(?: --omit=\S+)*)/.exec(text)?.[1];
    expect(prodInstall(dockerfile)).toBe('--omit=dev --omit=optional');
    expect(prodInstall(verify.slice(verify.indexOf('cd "$WORK/deps"')))).toBe(prodInstall(dockerfile));
  });

  it('scripts/node-flags.js: every flag on the image\'s Node; on another, those its V8 has and was measured with, and node starts with them', async () => {
    const { ALWAYS, FROM_V8_13, ALL, nodeFlags } = nodeFlagsScript;
    expect(ALL).toEqual([...ALWAYS, ...FROM_V8_13]);
    const printed = (await run(process.execPath, [join(ROOT, 'scripts/node-flags.js')])).stdout.trim().split(' ');
    const v8Major = Number(process.versions.v8.split('.')[0]);
    expect(printed).toEqual(v8Major >= 13 ? ALL : ALWAYS);
    // The image's Node (the Dockerfile's NODE_VERSION; CI runs this file on it too) gets exactly the CMD's flags.
    const imageMajor = Number(/^ARG NODE_VERSION=(\d+)$/m.exec(read('Dockerfile'))![1]);
    if (Number(process.versions.node.split('.')[0]) === imageMajor) expect(printed).toEqual(ALL);
    await expect(run(process.execPath, [...printed, '-e', 'process.stdout.write("started")'])).resolves.toMatchObject({ stdout: 'started' });
    // Before V8 13 (Node 20, 22) the balancer and its floor are left out; from 13 on, only when this node accepts both (an unknown
    // flag stops node): Node 20 knows --initial-old-space-size but not the balancer, and must get neither.
    expect(nodeFlags(process.execPath, '12.4.254')).toEqual(ALWAYS);
    expect(nodeFlags('/bin/false', '13.6.233')).toEqual(ALWAYS);
    expect(nodeFlags(process.execPath, '13.6.233')).toEqual(v8Major >= 13 ? ALL : ALWAYS);
  });

  it('compose.yaml: two instances on PostgreSQL and Redis behind a load balancer, configured only with known settings', () => {
    // Compose reads YAML merge keys (<<: *portcullis), a YAML 1.1 feature.
    const compose = load(read('compose.yaml'), { schema: YAML11_SCHEMA }) as { services: Record<string, { environment?: Record<string, string>; volumes?: string[]; ports?: string[] }> };
    expect(Object.keys(compose.services).sort()).toEqual(['api1', 'api2', 'lb', 'postgres', 'redis']);
    const known = new Set(settingNames());
    for (const name of ['api1', 'api2']) {
      const env = compose.services[name].environment!;
      expect(env).toMatchObject({ DB_TYPE: 'postgres', REDIS_URL: 'redis://redis:6379', TRUST_PROXY: '1', NODE_ENV: 'production' });
      for (const key of Object.keys(env)) expect({ key, known: known.has(key) }).toEqual({ key, known: true });
      expect(compose.services[name].ports).toBeUndefined();
    }
    expect(compose.services.lb.volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/nginx.conf:ro']);
    const nginx = read('deploy/nginx.conf');
    for (const line of [/server api1:3000/, /server api2:3000/, /proxy_set_header Upgrade \$http_upgrade;/, /proxy_set_header Connection \$connection_upgrade;/,
      /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/, /proxy_read_timeout \d+s;/]) {
      expect(nginx).toMatch(line);
    }
  });
});
