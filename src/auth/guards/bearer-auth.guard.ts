import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { AuthUser, IS_PUBLIC } from '../../common/decorators/auth.decorators';
import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { AuthService } from '../auth.service';

/** Global HTTP guard: every route needs a bearer access token unless marked @Public(). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly auth: AuthService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthenticatedError('Missing bearer token', 'missing');
    req.user = await this.auth.authenticateAccessToken(match[1]);
    return true;
  }
}
