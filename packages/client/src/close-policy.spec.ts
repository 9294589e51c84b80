import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOSE_ACTIONS, decideClose } from './close-policy';
import { AuthenticationError, ClosedByAdminError, errorForClose, ForbiddenError, FrameTooLargeError, NotFoundError, PolicyViolationError, UserInactiveError } from './errors';
import { CLOSE, CLOSED_BY_ADMIN } from './protocol.generated';

/** What the server's own `action` text says a client should do, read as one of the client's actions. */
function actionFromText(text: string): string {
  if (/^nothing$/.test(text)) return 'done';
  if (/authenticating at once/.test(text)) return 'auth_now';
  if (/fresh token|log in again/.test(text)) return 'refresh';
  if (/back ?off/.test(text)) return 'backoff';
  if (/^stop$|fix the client/.test(text)) return 'stop';
  throw new Error(`unrecognised action text: ${text}`);
}

describe('close policy', () => {
  it('gives every row of the server table a behaviour that agrees with the row\'s own advice', () => {
    expect(Object.keys(CLOSE_ACTIONS).sort()).toEqual(Object.keys(CLOSE).sort());
    for (const [key, row] of Object.entries(CLOSE)) expect([key, CLOSE_ACTIONS[key as keyof typeof CLOSE]]).toEqual([key, actionFromText(row.action)]);
  });

  it.each([
    [1001, 'SHUTTING_DOWN', 'backoff'], [1006, undefined, 'backoff'], [1011, 'INTERNAL_ERROR', 'backoff'], [1013, 'SERVER_BUSY', 'backoff'],
    [4029, 'TOO_MANY_CONNECTIONS', 'backoff'], [4001, 'TOKEN_EXPIRED', 'refresh'], [4001, undefined, 'refresh'], [4008, 'AUTH_TIMEOUT', 'auth_now'],
    [4002, 'USER_INACTIVE', 'stop'], [4003, 'FORBIDDEN', 'stop'], [4004, 'NOT_FOUND', 'stop'], [1008, 'SLOW_CONSUMER', 'stop'], [1009, undefined, 'stop'],
    [1000, 'DONE', 'done'], [1000, undefined, 'done'], [1005, undefined, 'backoff'],
  ])('close %i (error %s) -> %s', (code, error, action) => {
    expect(decideClose(code, error).action).toBe(action);
  });

  it('stops on an administrator\'s close whatever code was chosen', () => {
    for (const code of [1001, 1011, 4001, 4029]) expect(decideClose(code, CLOSED_BY_ADMIN)).toEqual({ action: 'stop', admin: true });
  });

  it('types the stop errors by close code', () => {
    expect(errorForClose(4002, 'USER_INACTIVE', 'm', CLOSED_BY_ADMIN)).toBeInstanceOf(UserInactiveError);
    expect(errorForClose(4003, 'FORBIDDEN', 'm', CLOSED_BY_ADMIN)).toBeInstanceOf(ForbiddenError);
    expect(errorForClose(4004, 'NOT_FOUND', 'm', CLOSED_BY_ADMIN)).toBeInstanceOf(NotFoundError);
    expect(errorForClose(1008, 'SLOW_CONSUMER', 'm', CLOSED_BY_ADMIN)).toBeInstanceOf(PolicyViolationError);
    expect(errorForClose(1009, undefined, '', CLOSED_BY_ADMIN)).toMatchObject({ code: 'CLOSE_1009', closeCode: 1009 });
    expect(errorForClose(1009, undefined, '', CLOSED_BY_ADMIN)).toBeInstanceOf(FrameTooLargeError);
    expect(errorForClose(4001, 'SESSION_REVOKED', 'session revoked', CLOSED_BY_ADMIN)).toBeInstanceOf(AuthenticationError);
    expect(errorForClose(1001, CLOSED_BY_ADMIN, 'closed by an administrator', CLOSED_BY_ADMIN)).toBeInstanceOf(ClosedByAdminError);
  });

  it('docs/client.md describes each row as the client behaves', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'client.md'), 'utf8');
    const words: Record<string, RegExp> = { done: /closed`?, no error/, backoff: /jittered backoff/, stop: /^stops/, refresh: /fresh token once/, auth_now: /at once/ };
    for (const [key, row] of Object.entries(CLOSE)) {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${row.code} |`) && l.includes(`\`${row.error}\``));
      expect([key, line !== undefined]).toEqual([key, true]);
      expect([key, line!.split('|')[3].trim()]).toEqual([key, expect.stringMatching(words[CLOSE_ACTIONS[key as keyof typeof CLOSE]])]);
    }
  });
});
