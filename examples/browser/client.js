/*
 * A Portcullis chat client for the browser: plain JavaScript, no build step.
 *
 *   REST  POST /v1/auth/login, POST /v1/auth/refresh   (same origin, or ?api=)
 *   WS    /ws/conversations/:id with Sec-WebSocket-Protocol
 *         ['portcullis.v2', 'bearer.' + accessToken]    (?ws= to point elsewhere)
 *
 * A browser cannot set headers on a WebSocket, so the token rides in the
 * subprotocol list; the server selects 'portcullis.v2' and never echoes the
 * token back. Tokens live in memory only (not localStorage), so a reload logs
 * out. Everything the client sees is kept in `window.portcullis.events` for
 * the console (and for test/browser.e2e-spec.ts).
 */
(function () {
  'use strict';

  var SUBPROTOCOL = 'portcullis.v2';
  var params = new URLSearchParams(location.search);
  // REST goes to the page's origin unless ?api= says otherwise (the API sends no CORS headers).
  var API = (params.get('api') || location.origin).replace(/\/$/, '');
  var WS = (params.get('ws') || API.replace(/^http/, 'ws')).replace(/\/$/, '');

  // What docs/protocol.md says to do about each close. 1006 is a dropped or refused connection.
  var RETRY_CODES = [1001, 1006, 1011, 1013, 4029];
  var MAX_ATTEMPTS_WITHOUT_OPEN = 3;

  var state = {
    api: API,
    ws: WS,
    accessToken: null,
    refreshToken: null,
    conversationId: null,
    socket: null,
    /** The subprotocol the server selected (ws.protocol). */
    protocol: null,
    /** Highest chat seq seen: sent as `resume {afterSeq}` after a reconnect. */
    lastSeq: 0,
    /** Chat messages sent but not acked, by frame id; resent with the same id after a reconnect. */
    pending: new Map(),
    /** The `code` of the last `error` frame: it names the reason of the close that follows. */
    lastErrorCode: null,
    failedOpens: 0,
    /** A 4001 gets one refresh-and-reconnect; a second 4001 before `ready` means log in again. */
    retriedAuth: false,
    stopped: true,
    events: [],
  };

  var $ = function (id) { return document.getElementById(id); };

  function record(kind, detail) {
    var event = Object.assign({ kind: kind, at: new Date().toISOString() }, detail || {});
    state.events.push(event);
    var line = event.at.slice(11, 23) + '  ' + kind + (detail ? '  ' + JSON.stringify(detail) : '');
    // textContent, never innerHTML: chat content comes from other people.
    $('log').textContent += line + '\n';
    $('log').scrollTop = $('log').scrollHeight;
  }

  function setStatus(text) { $('status').textContent = text; }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }

  async function post(path, body, token) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    var res = await fetch(API + path, { method: 'POST', headers: headers, body: JSON.stringify(body || {}) });
    var json = await res.json().catch(function () { return {}; });
    if (!res.ok) throw new Error(path + ': ' + res.status + ' ' + (json.message || res.statusText));
    return json;
  }

  function keepTokens(pair) {
    state.accessToken = pair.accessToken;
    state.refreshToken = pair.refreshToken;
  }

  async function login(email, password) {
    keepTokens(await post('/v1/auth/login', { email: email, password: password }));
    record('login', { api: API });
  }

  // One refresh at a time: the refresh token rotates, and presenting a spent one revokes the session.
  var refreshing = null;
  function refresh() {
    if (!refreshing) {
      refreshing = post('/v1/auth/refresh', { refreshToken: state.refreshToken })
        .then(function (pair) { keepTokens(pair); record('refreshed'); })
        .finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  function send(type, payload, id) {
    id = id || newId();
    state.socket.send(JSON.stringify({ type: type, id: id, timestamp: new Date().toISOString(), payload: payload }));
    return id;
  }

  function connect(conversationId) {
    state.conversationId = conversationId;
    state.stopped = false;
    var url = WS + '/ws/conversations/' + encodeURIComponent(conversationId);
    var socket = new WebSocket(url, [SUBPROTOCOL, 'bearer.' + state.accessToken]);
    state.socket = socket;
    state.lastErrorCode = null;
    setStatus('connecting');
    record('connecting', { url: url });

    var opened = false;
    socket.onopen = function () {
      opened = true;
      state.protocol = socket.protocol;
      state.failedOpens = 0;
      record('open', { protocol: socket.protocol });
      setStatus('authenticating');
    };
    socket.onmessage = function (ev) {
      var frame;
      try { frame = JSON.parse(ev.data); } catch (e) { record('unparsable', {}); return; }
      onFrame(socket, frame).catch(function (err) { record('client_error', { message: err.message }); });
    };
    socket.onerror = function () {
      // The browser gives no detail here: a refused upgrade (Origin, path) looks the same as a network error.
      record('socket_error', { opened: opened });
    };
    socket.onclose = function (ev) {
      record('close', { code: ev.code, reason: ev.reason, error: state.lastErrorCode, opened: opened });
      setStatus('closed ' + ev.code + (ev.reason ? ' (' + ev.reason + ')' : ''));
      $('send').disabled = true;
      if (state.socket === socket) afterClose(ev.code, opened);
    };
  }

  async function onFrame(socket, frame) {
    record(frame.type, { payload: frame.payload, refId: frame.refId });
    switch (frame.type) {
      case 'ready':
        state.retriedAuth = false;
        setStatus('ready as ' + frame.payload.userId);
        $('send').disabled = false;
        $('disconnect').disabled = false;
        if (state.lastSeq > 0) send('resume', { afterSeq: state.lastSeq });
        // Anything unacked before the drop goes again with the same id: the server stores it once.
        state.pending.forEach(function (content, id) { send('chat_message', { content: content }, id); });
        break;
      case 'ack':
        state.pending.delete(frame.payload.refId);
        state.lastSeq = Math.max(state.lastSeq, frame.payload.seq);
        break;
      case 'chat_message':
        state.lastSeq = Math.max(state.lastSeq, frame.payload.seq);
        break;
      case 'auth_required':
        // Refresh over REST, then re-authenticate in band: the socket stays open, nothing is missed.
        await refresh();
        if (socket.readyState === WebSocket.OPEN) send('auth', { token: state.accessToken });
        break;
      case 'auth_ok':
        setStatus('ready (token renewed until ' + frame.payload.expiresAt + ')');
        break;
      case 'error':
        state.lastErrorCode = frame.payload.code;
        break;
    }
  }

  /** Reconnect or stop, as docs/protocol.md advises for each close code. */
  function afterClose(code, opened) {
    if (state.stopped || code === 1000) return;
    if (!opened && ++state.failedOpens >= MAX_ATTEMPTS_WITHOUT_OPEN) {
      record('giving_up', { reason: 'the connection was refused ' + state.failedOpens + ' times (Origin not allowed, wrong URL, or server down)' });
      return;
    }
    if (code === 4001) {
      if (state.lastErrorCode === 'SESSION_REVOKED' || state.retriedAuth) {
        record('giving_up', { reason: 'authentication refused (' + state.lastErrorCode + '): log in again' });
        return;
      }
      state.retriedAuth = true;
      refresh().then(function () { connect(state.conversationId); }, function (err) {
        record('giving_up', { reason: 'refresh failed, log in again: ' + err.message });
      });
      return;
    }
    if (RETRY_CODES.indexOf(code) >= 0) {
      var delay = Math.min(30000, 500 * Math.pow(2, state.failedOpens)) * (0.5 + Math.random() / 2);
      record('reconnecting', { inMs: Math.round(delay) });
      setTimeout(function () { if (!state.stopped) connect(state.conversationId); }, delay);
      return;
    }
    record('giving_up', { reason: 'close ' + code + ' ' + (state.lastErrorCode || '') + ': do not retry' });
  }

  function sendChat(content) {
    var id = newId();
    state.pending.set(id, content);
    send('chat_message', { content: content }, id);
    return id;
  }

  function disconnect() {
    state.stopped = true;
    if (state.socket) state.socket.close(1000);
    $('disconnect').disabled = true;
  }

  $('login-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('connect').disabled = true;
    try {
      await login($('email').value, $('password').value);
      connect($('conversation').value.trim());
    } catch (err) {
      record('login_failed', { message: err.message });
      setStatus('login failed');
    } finally {
      $('connect').disabled = false;
    }
  });

  $('chat-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('message');
    if (!input.value) return;
    sendChat(input.value);
    input.value = '';
  });

  $('disconnect').addEventListener('click', disconnect);

  window.portcullis = { state: state, events: state.events, login: login, connect: connect, sendChat: sendChat, disconnect: disconnect };
})();
