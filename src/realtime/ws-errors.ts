import { CloseSpec } from './close-codes';

/**
 * A close the transport itself decides (first frame not `auth`, no `auth`
 * within the deadline, too many protocol errors): it is already a close code,
 * unlike domain errors, which the one mapper in close-mapping.ts translates.
 */
export class WsPolicyError extends Error {
  constructor(readonly spec: CloseSpec, message: string = spec.reason) {
    super(message);
    this.name = 'WsPolicyError';
  }
}
