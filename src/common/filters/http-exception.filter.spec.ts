import { ArgumentsHost, Logger } from '@nestjs/common';
import { HttpExceptionFilter } from './http-exception.filter';

/** The filter with a hand-built host whose response records what was sent. */
function run(err: unknown): { status?: number; body?: Record<string, unknown> } {
  const sent: { status?: number; body?: Record<string, unknown> } = {};
  const res = { status(s: number) { sent.status = s; return res; }, type() { return res; }, json(b: Record<string, unknown>) { sent.body = b; return res; } };
  new HttpExceptionFilter().catch(err, { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost);
  return sent;
}
const httpError = (status: number, type: string, message: string) => Object.assign(new Error(message), { status, statusCode: status, expose: true, type });

describe('HttpExceptionFilter, errors from below the controllers', () => {
  let error: jest.SpyInstance;
  beforeEach(() => { error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined); });
  afterEach(() => error.mockRestore());

  it('passes the body parser 4xx on (413), logging no error', () => {
    expect(run(httpError(413, 'entity.too.large', 'request entity too large'))).toEqual({
      status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: 'Request body too large' },
    });
    expect(error).not.toHaveBeenCalled();
  });

  it('does not log a client-aborted request as an error', () => {
    expect(run(httpError(400, 'request.aborted', 'request aborted')).status).toBe(400);
    expect(error).not.toHaveBeenCalled();
  });

  it('still logs an unknown error, and shows the client only a correlation id', () => {
    const { status, body } = run(new Error('secret detail'));
    expect(status).toBe(500);
    expect(String(body?.message)).not.toContain('secret detail');
    expect(error).toHaveBeenCalledTimes(1);
  });
});
