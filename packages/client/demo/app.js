/**
 * The /demo page: everything the SDK does, visible. The connection light
 * follows the conversation client's state (green ready; yellow connecting,
 * authenticating, re-authenticating or waiting; red closed, with the reason).
 * `window.demo` exposes the clients and what they saw, for people and tests.
 */
import { PortcullisClient } from '/demo/sdk/index.js';
import { Api } from '/demo/api.js';

const WS_BASE = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
const $ = (id) => document.getElementById(id);
const api = new Api();
const demo = (window.demo = { api, chat: null, reflection: null, events: [], entryId: null, conversationId: null });

function log(kind, detail = '') {
  demo.events.push({ kind, detail, at: new Date().toISOString() });
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${kind} ${detail}`;
  $('log').prepend(li);
}

function clientFor(path) {
  return new PortcullisClient({ url: `${WS_BASE}${path}`, getToken: api.token, refreshToken: api.refresh, logger: { warn: (m) => log('warn', m) } });
}

/** The light: what a person needs to know about the conversation socket at a glance. */
function showState({ state, reason, error }) {
  const light = state === 'ready' ? 'green' : state === 'closed' ? 'red' : state === 'idle' ? 'grey' : 'yellow';
  $('status').dataset.light = light;
  $('status').dataset.state = state;
  $('status-text').textContent = state === 'closed' && error ? `closed: ${error.code} (${error.message})` : reason ? `${state} (${reason})` : state;
}

function picker(listId, items, label, onPick) {
  const list = $(listId);
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label(item);
    b.dataset.id = item.id;
    b.onclick = () => {
      for (const other of list.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b));
      onPick(item);
    };
    li.append(b);
    return li;
  }));
}

async function reloadEntries(select) {
  picker('entries', await api.entries(), (e) => e.title, (e) => { demo.entryId = e.id; $('reflect').disabled = false; });
  if (select) $('entries').querySelector(`[data-id="${select}"]`)?.click();
}

async function reloadConversations(select) {
  picker('conversations', await api.conversations(), (c) => c.title, (c) => openConversation(c.id));
  if (select) $('conversations').querySelector(`[data-id="${select}"]`)?.click();
}

function startReflection(entryId) {
  demo.reflection?.close();
  const client = (demo.reflection = clientFor(`/ws/reflections/${entryId}`));
  $('reflection').textContent = '';
  $('reflection').dataset.done = 'false';
  client.on('state', (s) => {
    // A finished stream closes 1000 right after reflection_done: keep saying "done".
    if (s.state === 'closed' && !s.error && $('reflection').dataset.done === 'true') return;
    $('reflection-status').textContent = s.error ? `${s.state}: ${s.error.code}` : s.state;
  });
  client.on('reflection_chunk', (c) => { $('reflection').textContent += c.text; });
  client.on('reflection_done', (d) => {
    $('reflection').dataset.done = 'true';
    $('reflection-status').textContent = `done (${d.chunks} chunks)`;
    log('reflection_done', `${d.chunks} chunks`);
  });
  client.connect();
}

function openConversation(id) {
  demo.chat?.close();
  demo.conversationId = id;
  $('messages').replaceChildren();
  $('reauths').textContent = '0';
  const client = (demo.chat = clientFor(`/ws/conversations/${id}`));
  client.on('state', (s) => { showState(s); log('state', `${s.state}${s.reason ? ` (${s.reason})` : ''}`); });
  client.on('chat_message', (m) => {
    const li = document.createElement('li');
    li.dataset.seq = m.seq;
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = m.authorId === api.user?.id ? 'me' : m.authorId.slice(0, 8);
    li.append(author, m.content);
    $('messages').append(li);
  });
  client.on('auth_required', (p) => log('auth_required', `token expires ${p.expiresAt}`));
  client.on('refreshed', () => log('refreshed', 'new access token'));
  client.on('auth_ok', (p) => { $('reauths').textContent = String(Number($('reauths').textContent) + 1); log('auth_ok', `now expires ${p.expiresAt}`); });
  client.on('error', (e) => log('error', `${e.code}: ${e.message}`));
  client.connect();
}

$('signin-form').onsubmit = async (event) => {
  event.preventDefault();
  $('signin-error').textContent = '';
  try {
    const user = await api.signIn($('email').value, $('password').value, $('register').checked);
    $('who').textContent = user.email;
    $('who-id').textContent = user.id;
    $('signin').hidden = true;
    $('app').hidden = false;
    log('signed in', user.email);
    await Promise.all([reloadEntries(), reloadConversations()]);
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
};

$('signout').onclick = async () => {
  await api.signOut();
  // getToken now answers null: the client closes its socket and waits for a token instead of reconnecting.
  demo.chat?.tokenChanged();
  log('signed out');
};

$('entry-form').onsubmit = async (event) => {
  event.preventDefault();
  const entry = await api.createEntry($('entry-title').value, $('entry-content').value);
  event.target.reset();
  await reloadEntries(entry.id);
};

$('reflect').onclick = () => demo.entryId && startReflection(demo.entryId);

$('conversation-form').onsubmit = async (event) => {
  event.preventDefault();
  const conversation = await api.createConversation($('conversation-title').value);
  event.target.reset();
  await reloadConversations(conversation.id);
};

$('reload-conversations').onclick = () => reloadConversations(demo.conversationId);

$('member-form').onsubmit = async (event) => {
  event.preventDefault();
  if (!demo.conversationId) return;
  try {
    await api.addMember(demo.conversationId, $('member-email').value);
    log('member added', $('member-email').value);
    event.target.reset();
  } catch (err) {
    log('member not added', err.message);
  }
};

$('chat-form').onsubmit = (event) => {
  event.preventDefault();
  const text = $('chat-input').value;
  $('chat-input').value = '';
  // Sent now, or queued until the socket is ready: chat() resolves when the server has stored it.
  demo.chat?.chat(text).then((ack) => log('ack', `seq ${ack.seq}`), (err) => log('not sent', `${err.code}: ${err.message}`));
};
