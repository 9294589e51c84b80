/**
 * The React hooks of @portcullis/client/react, rendered with react-dom into a
 * jsdom document whose origin is the real server's, over jsdom's own
 * (browser-like) WebSocket: the SDK runs as it does in a browser.
 */
import { JSDOM } from 'jsdom';
import type { ReactElement } from 'react';
import type { Root } from 'react-dom/client';
import { ForbiddenError, WebSocketConstructor } from '@portcullis/client';
import { createUser, TestUser } from './helpers/factories';
import { authAttempts, bearer, sdkClient } from './helpers/sdk-client';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

jest.setTimeout(30_000);

type Hooks = typeof import('@portcullis/client/react');
type ReactModule = typeof import('react');

describe('@portcullis/client/react in a test DOM against the real server', () => {
  let t: TestApp;
  let dom: JSDOM;
  let user: TestUser;
  let React: ReactModule;
  let hooks: Hooks;
  let root: Root;
  const saved: Record<string, unknown> = {};

  beforeAll(async () => {
    t = await startTestApp({ REFLECTION_CHUNK_DELAY_MS: '5' });
    user = await createUser(t);
    dom = new JSDOM('<!doctype html><html><body><div id="root"></div></body></html>', { url: `${t.baseUrl}/` });
    // react-dom looks for a DOM when it loads: install jsdom's before requiring it.
    for (const key of ['window', 'document', 'navigator', 'IS_REACT_ACT_ENVIRONMENT']) saved[key] = (globalThis as any)[key];
    Object.assign(globalThis, { window: dom.window, document: dom.window.document, IS_REACT_ACT_ENVIRONMENT: true });
    Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true, writable: true });
    React = require('react');
    hooks = require('@portcullis/client/react');
    const { createRoot } = require('react-dom/client') as typeof import('react-dom/client');
    root = createRoot(dom.window.document.getElementById('root')!);
  });

  afterAll(async () => {
    await React.act(async () => root.unmount());
    dom.window.close();
    for (const [key, value] of Object.entries(saved)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
    await t.close();
  });

  const options = () => ({ baseUrl: t.wsUrl, getToken: () => user.accessToken, WebSocket: dom.window.WebSocket as unknown as WebSocketConstructor });
  const html = () => dom.window.document.getElementById('root')!.innerHTML;

  async function render(element: ReactElement): Promise<void> {
    await React.act(async () => root.render(element));
  }

  /** Lets React and the socket run until `check` holds. */
  async function settle(check: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms; the page shows: ${html()}`);
      await React.act(() => new Promise((r) => setTimeout(r, 20)));
    }
  }

  it('useConversation: history then live messages, in order, once each; send resolves with the ack', async () => {
    const conv = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title: 'hooks' })).body.id;
    const other = sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => user.accessToken });
    other.client.connect();
    await other.client.chat('before mount 1');
    await other.client.chat('before mount 2');

    const bySubprotocol = await authAttempts(t, 'subprotocol');
    let view: ReturnType<Hooks['useConversation']> | undefined;
    function Chat() {
      view = hooks.useConversation(conv, options());
      return React.createElement('ul', { 'data-state': view.state }, view.messages.map((m) => React.createElement('li', { key: m.seq }, m.content)));
    }
    await render(React.createElement(Chat));
    await settle(() => view?.state === 'ready' && view.messages.length === 2, 'history');
    expect(html()).toContain('data-state="ready"');
    // In a page (window and document present) 'auto' means the subprotocol, since a browser cannot set headers.
    expect(await authAttempts(t, 'subprotocol')).toBe(bySubprotocol + 1);

    let ack: { seq: number } | undefined;
    await React.act(async () => { ack = await view!.send('from the hook'); });
    expect(ack?.seq).toBe(3);
    await other.client.chat('live from Node');
    await settle(() => view!.messages.length === 4, 'live messages');
    expect(view!.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect([...dom.window.document.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['before mount 1', 'before mount 2', 'from the hook', 'live from Node']);
    other.client.close();
    await render(React.createElement('div'));
  });

  it('useReflectionStream: the text grows chunk by chunk to the whole reflection, then done', async () => {
    const entry = (await t.http().post('/v1/entries').set(bearer(user.accessToken)).send({ title: 'A day', content: 'I was tired but grateful. The walk helped. Tomorrow I walk again.' })).body;
    // The same reflection, read raw, to compare with what the hook shows.
    const raw = WsTestClient.connect(`${t.wsUrl}/ws/reflections/${entry.id}`, { headers: bearer(user.accessToken) });
    await raw.closed;
    const expected = raw.frames.filter((f) => f.type === 'reflection_chunk').map((f) => f.payload.text).join('');
    expect(expected.length).toBeGreaterThan(20);

    let view: ReturnType<Hooks['useReflectionStream']> | undefined;
    const lengths: number[] = [];
    function Reflection() {
      view = hooks.useReflectionStream(entry.id, options());
      lengths.push(view.text.length);
      return React.createElement('pre', { 'data-done': String(view.done) }, view.text);
    }
    await render(React.createElement(Reflection));
    await settle(() => view!.done && view!.state === 'closed', 'the end of the stream');
    expect(view!.text).toBe(expected);
    expect(view!.error).toBeUndefined();
    expect(new Set(lengths).size).toBeGreaterThan(3); // it grew in steps, not all at once
    expect(dom.window.document.querySelector('pre')!.textContent).toBe(expected);
    await render(React.createElement('div'));
  });

  it("useReflectionStream on another user's entry ends closed with ForbiddenError", async () => {
    const owner = await createUser(t);
    const entry = (await t.http().post('/v1/entries').set(bearer(owner.accessToken)).send({ title: 'mine', content: 'private' })).body;
    let view: ReturnType<Hooks['useReflectionStream']> | undefined;
    function Reflection() {
      view = hooks.useReflectionStream(entry.id, options());
      return React.createElement('pre', null, view.error ? view.error.code : view.state);
    }
    await render(React.createElement(Reflection));
    await settle(() => view!.state === 'closed', 'the close');
    expect(view!.error).toBeInstanceOf(ForbiddenError);
    expect(html()).toContain('FORBIDDEN');
    await render(React.createElement('div'));
  });
});
