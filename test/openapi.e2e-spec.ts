import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { IS_PUBLIC, ROLES_KEY } from '../src/common/decorators/auth.decorators';
import { startTestApp, TestApp } from './helpers/test-app';

/** @nestjs/swagger's key for @ApiExcludeController() (its constants are not exported). */
const API_EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';

interface Route { controller: string; handler: string; method: string; path: string; public: boolean; admin: boolean; body: boolean; query: string[]; params: boolean }
interface Operation { parameters?: Array<{ in: string; name: string }>; responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown[] }

/**
 * Every API route the app serves, read from the controllers' own metadata (not
 * from the document under test). A controller marked @ApiExcludeController()
 * (the /demo page: HTML, not API) is left out on purpose, and named by a test below.
 */
function routesOf(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const ctrl = wrapper.metatype as Type;
      if (Reflect.getMetadata(API_EXCLUDE_CONTROLLER, ctrl)?.[0]) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
      for (const handler of Object.getOwnPropertyNames(ctrl.prototype)) {
        const fn = ctrl.prototype[handler];
        const sub = Reflect.getMetadata(PATH_METADATA, fn);
        if (handler === 'constructor' || sub === undefined) continue;
        const args = Object.entries(Reflect.getMetadata(ROUTE_ARGS_METADATA, ctrl, handler) ?? {}) as Array<[string, { index: number }]>;
        const types: Type[] = Reflect.getMetadata('design:paramtypes', ctrl.prototype, handler) ?? [];
        const of = (kind: RouteParamtypes) => args.filter(([key]) => Number(key.split(':')[0]) === kind);
        const query = of(RouteParamtypes.QUERY).flatMap(([, a]) =>
          getMetadataStorage().getTargetValidationMetadatas(types[a.index], '', true, false).map((m) => m.propertyName));
        const path = `/${[base, String(sub)].filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';
        const meta = (key: string) => Reflect.getMetadata(key, fn) ?? Reflect.getMetadata(key, ctrl);
        routes.push({
          controller: ctrl.name, handler, method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn)].toLowerCase(), path,
          public: Boolean(meta(IS_PUBLIC)), admin: (meta(ROLES_KEY) ?? []).includes('admin'),
          body: of(RouteParamtypes.BODY).length > 0, query: [...new Set(query)], params: of(RouteParamtypes.PARAM).length > 0,
        });
      }
    }
  }
  return routes;
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
  let routes: Route[];
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/api/docs-json').expect(200)).body;
    routes = routesOf(t);
  });
  afterAll(async () => { await t.close(); });

  it('leaves out only the demo page, which is HTML rather than API', () => {
    const excluded = [...t.app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()])
      .filter((w) => Reflect.getMetadata(API_EXCLUDE_CONTROLLER, w.metatype as Type)?.[0]).map((w) => (w.metatype as Type).name);
    expect(excluded).toEqual(['DemoController']);
  });

  it('finds the routes it checks', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContainEqual(expect.objectContaining({ method: 'get', path: '/v1/admin/audit', admin: true }));
  });

  it('documents every route with a response schema, its error responses, its query parameters and its security', () => {
    const problems: string[] = [];
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method];
      const where = `${r.method.toUpperCase()} ${r.path} (${r.controller}.${r.handler})`;
      if (!op) { problems.push(`${where}: not in the document`); continue; }
      const codes = Object.keys(op.responses);
      const success = codes.filter((c) => /^2/.test(c));
      if (!success.length) problems.push(`${where}: no success response`);
      for (const c of success.filter((code) => code !== '204')) {
        const content = op.responses[c].content ?? {};
        if (!Object.values(content).some((m) => m.schema)) problems.push(`${where}: ${c} has no schema`);
      }
      const expected = [
        ...(r.body || r.query.length ? ['400'] : []),
        ...(r.public ? [] : ['401', '403']),
        ...(r.params ? ['404'] : []),
        ...(r.path === '/v1/auth/login' ? ['429'] : []),
        ...(r.path === '/v1/auth/register' ? ['409'] : []),
      ];
      for (const c of expected) if (!codes.includes(c)) problems.push(`${where}: no ${c} response`);
      for (const c of codes.filter((code) => /^[45]/.test(code))) {
        const schema = op.responses[c].content?.['application/json']?.schema as { $ref?: string } | undefined;
        if (!schema) problems.push(`${where}: ${c} has no body schema`);
      }
      const documented = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort();
      if (JSON.stringify(documented) !== JSON.stringify([...r.query].sort())) problems.push(`${where}: query parameters ${documented} documented, ${r.query} accepted`);
      if (!r.public && !JSON.stringify(op.security ?? []).includes('bearer')) problems.push(`${where}: no bearer security`);
    }
    expect(problems).toEqual([]);
  });

  it('declares the bearer scheme and the metrics token, and /metrics uses the latter', () => {
    expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, metricsToken: { type: 'http', scheme: 'bearer' } });
    expect(doc.paths['/metrics'].get.security).toEqual([{ metricsToken: [] }]);
    expect(doc.paths['/v1/admin/connections'].get.parameters?.map((p) => p.name)).toEqual(['userId']);
    expect(doc.paths['/v1/admin/connections/{id}'].delete.parameters?.map((p) => p.name).sort()).toEqual(['code', 'id']);
  });
});
