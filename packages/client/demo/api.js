/**
 * The demo's REST side: sign-in, refresh, and the resources it shows. Tokens
 * live in this tab's memory only (not localStorage, where any script on the
 * origin could read them), so each tab signs in with its own session.
 */
export class Api {
  constructor() {
    this.tokens = null;
    this.user = null;
  }

  /** The SDK's getToken: null once signed out, so the client opens no socket. */
  token = () => this.tokens?.accessToken ?? null;

  /** The SDK's refreshToken: null when the server refuses (sign in again); a throw when it could not be asked. */
  refresh = async () => {
    if (!this.tokens) return null;
    const res = await fetch('/v1/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: this.tokens.refreshToken }) });
    if (res.status >= 400 && res.status < 500) return null;
    if (!res.ok) throw new Error(`refresh: HTTP ${res.status}`);
    this.tokens = await res.json();
    return this.tokens.accessToken;
  };

  async signIn(email, password, register) {
    if (register) await this.call('POST', '/v1/auth/register', { email, password, displayName: email.split('@')[0] }, false);
    this.tokens = await this.call('POST', '/v1/auth/login', { email, password }, false);
    this.user = await this.call('GET', '/v1/auth/me');
    return this.user;
  }

  async signOut() {
    await this.call('POST', '/v1/auth/logout').catch(() => undefined);
    this.tokens = null;
    this.user = null;
  }

  entries = () => this.call('GET', '/v1/entries');
  createEntry = (title, content) => this.call('POST', '/v1/entries', { title, content });
  conversations = () => this.call('GET', '/v1/conversations');
  createConversation = (title) => this.call('POST', '/v1/conversations', { title });
  /** By email where the server takes one (the contract's `{email}`), else by user id. */
  addMember = (conversationId, who) => this.call('POST', `/v1/conversations/${conversationId}/members`, who.includes('@') ? { email: who } : { userId: who });

  async call(method, path, body, authed = true) {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json' };
    if (authed && this.tokens) headers.Authorization = `Bearer ${this.tokens.accessToken}`;
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return null;
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${method} ${path}: ${Array.isArray(data.message) ? data.message.join(', ') : data.message ?? res.status}`);
    return data;
  }
}
