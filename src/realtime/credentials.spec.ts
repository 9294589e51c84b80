import { AppConfig } from '../config/app-config';
import { extractCredential, offeredProtocols, selectProtocol, SUBPROTOCOL } from './credentials';

const ws = (env: Record<string, string> = {}) => AppConfig.fromEnvironment({ NODE_ENV: 'test', ...env }).ws;
const req = (headers: Record<string, string> = {}, url = '/ws/conversations/c1') => ({
  url, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
});

/** Every source at once, each with a distinct secret, so the winner is visible. */
const ALL = {
  headers: { Authorization: 'Bearer A', 'x-portcullis-token': 'H', 'Sec-WebSocket-Protocol': 'portcullis.v2, bearer.S' },
  url: '/ws/conversations/c1?ticket=T&token=Q',
};

describe('extractCredential', () => {
  it('takes the contract order: Authorization, custom header, subprotocol, ticket, query, message', () => {
    const cfg = ws();
    const steps: Array<[string, object]> = [
      ['authorization', { method: 'header', source: 'authorization', secret: 'A' }],
      ['custom', { method: 'header', source: 'custom_header', secret: 'H' }],
      ['subprotocol', { method: 'subprotocol', source: 'subprotocol', secret: 'S' }],
      ['ticket', { method: 'ticket', source: 'ticket', secret: 'T' }],
      ['query', { method: 'query', source: 'query', secret: 'Q' }],
      ['message', { method: 'message', source: 'message' }],
    ];
    const headers: Record<string, string> = { ...ALL.headers };
    let url = ALL.url;
    for (const [removeAfter, expected] of steps) {
      expect(extractCredential(req(headers, url), cfg)).toEqual(expected);
      // Take away the winner: the next source in line must win.
      if (removeAfter === 'authorization') delete headers.Authorization;
      if (removeAfter === 'custom') delete headers['x-portcullis-token'];
      if (removeAfter === 'subprotocol') delete headers['Sec-WebSocket-Protocol'];
      if (removeAfter === 'ticket') url = '/ws/conversations/c1?token=Q';
      if (removeAfter === 'query') url = '/ws/conversations/c1';
    }
  });

  it('lets a bad Bearer header decide rather than fall through to a later source', () => {
    for (const value of ['Bearer', 'Bearer   ', 'bearer']) {
      expect(extractCredential(req({ Authorization: value }, '/x?token=Q'), ws())).toEqual({ method: 'header', source: 'authorization', secret: '' });
    }
    expect(extractCredential(req({ Authorization: 'Bearer not-a-jwt' }, '/x?token=Q'), ws())).toEqual({ method: 'header', source: 'authorization', secret: 'not-a-jwt' });
    expect(extractCredential(req({ Authorization: 'bearer   tok  ' }), ws())).toMatchObject({ secret: 'tok' });
  });

  it('passes over an Authorization header of another scheme (a proxy\'s Basic login, which browsers repeat on the upgrade)', () => {
    expect(extractCredential(req({ Authorization: 'Basic Zm9vOmJhcg==' }, '/x?token=Q'), ws())).toEqual({ method: 'query', source: 'query', secret: 'Q' });
    expect(extractCredential(req({ Authorization: 'Token abc', 'x-portcullis-token': 'H' }), ws())).toEqual({ method: 'header', source: 'custom_header', secret: 'H' });
    expect(extractCredential(req({ Authorization: 'Bearertok' }), ws())).toEqual({ method: 'message', source: 'message' });
  });

  it('reads the header named by WS_TOKEN_HEADER, case-insensitively', () => {
    const cfg = ws({ WS_TOKEN_HEADER: 'X-My-Token' });
    expect(extractCredential(req({ 'x-my-token': ' H ' }), cfg)).toEqual({ method: 'header', source: 'custom_header', secret: 'H' });
    expect(extractCredential(req({ 'x-portcullis-token': 'H' }), cfg)).toEqual({ method: 'message', source: 'message' });
  });

  it.each([
    ['portcullis.v2, bearer.a.b.c'],
    ['bearer.a.b.c, portcullis.v2'],
    ['bearer.a.b.c'],
  ])('finds the bearer subprotocol in %j (a JWT keeps its dots)', (offered) => {
    expect(extractCredential(req({ 'Sec-WebSocket-Protocol': offered }), ws())).toEqual({ method: 'subprotocol', source: 'subprotocol', secret: 'a.b.c' });
  });

  it('ignores subprotocols that carry no bearer token', () => {
    expect(extractCredential(req({ 'Sec-WebSocket-Protocol': 'portcullis.v2, chat' }), ws())).toEqual({ method: 'message', source: 'message' });
  });

  it('takes ?token= only while WS_ALLOW_QUERY_TOKEN is true', () => {
    expect(extractCredential(req({}, '/x?token=Q'), ws())).toMatchObject({ method: 'query', secret: 'Q' });
    expect(extractCredential(req({}, '/x?token=Q'), ws({ WS_ALLOW_QUERY_TOKEN: 'false' }))).toEqual({ method: 'message', source: 'message' });
  });

  it.each([
    ['header', { method: 'subprotocol', secret: 'S' }],
    ['subprotocol', { method: 'header', source: 'authorization', secret: 'A' }],
  ])('WS_AUTH_METHODS without %s passes over it', (off, expected) => {
    const methods = ['header', 'subprotocol', 'ticket', 'query', 'message'].filter((m) => m !== off).join(',');
    expect(extractCredential(req(ALL.headers, ALL.url), ws({ WS_AUTH_METHODS: methods }))).toMatchObject(expected);
  });

  it('WS_AUTH_METHODS switches each method off', () => {
    const only = (m: string) => ws({ WS_AUTH_METHODS: m });
    expect(extractCredential(req(ALL.headers, ALL.url), only('ticket'))).toMatchObject({ method: 'ticket', secret: 'T' });
    expect(extractCredential(req(ALL.headers, ALL.url), only('query'))).toMatchObject({ method: 'query', secret: 'Q' });
    expect(extractCredential(req(ALL.headers, ALL.url), only('message'))).toEqual({ method: 'message', source: 'message' });
    // Nothing usable is on: no credential at all (the server closes 4001), not first-frame auth.
    expect(extractCredential(req({}, '/x'), only('header'))).toEqual({ method: 'none', source: 'none' });
    expect(extractCredential(req({}, '/x'), only('header,ticket'))).toEqual({ method: 'none', source: 'none' });
  });
});

describe('selectProtocol', () => {
  it('selects portcullis.v2 when offered, in either order', () => {
    expect(selectProtocol(new Set(['portcullis.v2', 'bearer.tok']))).toBe(SUBPROTOCOL);
    expect(selectProtocol(new Set(['bearer.tok', 'portcullis.v2']))).toBe(SUBPROTOCOL);
  });

  it.each([
    [['bearer.tok']],
    [['bearer.tok', 'chat']],
    [[]],
  ])('never returns a bearer.* value (offered %j)', (offered) => {
    const chosen = selectProtocol(new Set(offered));
    expect(chosen).toBe(false);
  });

  it('parses the offered list from the header', () => {
    expect(offeredProtocols(req({ 'Sec-WebSocket-Protocol': ' portcullis.v2 ,bearer.x,, ' }))).toEqual(['portcullis.v2', 'bearer.x']);
  });
});
