import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Role } from '../../users/user.entity';

/** Who a request or socket is, once its credential has been verified. */
export interface AuthUser {
  userId: string;
  sessionId: string;
  role: Role;
  /** Access-token expiry (ms since epoch). */
  expiresAt: number;
}

export const IS_PUBLIC = 'portcullis:public';
export const ROLES_KEY = 'portcullis:roles';

/** Opts a route out of the global bearer guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Restricts a route to the given roles (403 for others). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<{ user: AuthUser }>().user;
});
