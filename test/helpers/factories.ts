import { randomUUID } from 'node:crypto';
import { TestApp } from './test-app';

export interface TestUser { id: string; email: string; password: string; accessToken: string; refreshToken: string }

let counter = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}-${++counter}-${randomUUID().slice(0, 8)}@example.test`;

/** Registers and logs in a fresh user through the public REST API. */
export async function createUser(t: TestApp, opts: { email?: string; password?: string; displayName?: string } = {}): Promise<TestUser> {
  const email = opts.email ?? uniqueEmail();
  const password = opts.password ?? 'correct horse battery';
  const reg = await t.http().post('/v1/auth/register').send({ email, password, displayName: opts.displayName });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const tokens = await login(t, email, password);
  return { id: reg.body.id, email, password, ...tokens };
}

export async function login(t: TestApp, email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await t.http().post('/v1/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

/** The admin configured through ADMIN_EMAIL/ADMIN_PASSWORD when the app started. */
export const ADMIN = { email: 'admin@example.test', password: 'admin-password-123' };
export const ADMIN_ENV = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

export async function loginAdmin(t: TestApp): Promise<{ accessToken: string; refreshToken: string }> {
  return login(t, ADMIN.email, ADMIN.password);
}
