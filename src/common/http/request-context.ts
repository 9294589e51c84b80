import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { clientAddress, ClientAddressPolicy } from '../net/client-address';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What we accept from a caller: enough for a UUID or a trace id, nothing that could break a log line. */
const ACCEPTED_ID = /^[A-Za-z0-9._:\/+=@-]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when it looks like one, a
 * random UUID otherwise. Stored on the request, so every later call (the log
 * line, a socket upgraded from this request) gets the same id.
 */
export function requestIdFor(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
  req.id = id;
  return id;
}

/**
 * First middleware of the app: fixes `req.ip` to the client address (so the
 * login throttler, audit rows and request logs all see the same one) and
 * echoes the request id.
 */
export function requestContext(policy: ClientAddressPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    Object.defineProperty(req, 'ip', { value: clientAddress(req, policy), configurable: true, enumerable: true });
    res.setHeader('X-Request-Id', requestIdFor(req));
    next();
  };
}
