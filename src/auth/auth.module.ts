import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthMetrics } from './auth.metrics';
import { AuthService } from './auth.service';
import { BearerAuthGuard } from './guards/bearer-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { TokenService } from './token.service';
import { JwtModule } from '@nestjs/jwt';
import { jwtModuleOptions } from './jwt-options';

@Global()
@Module({
  imports: [
    UsersModule,
    SessionsModule,
    JwtModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => jwtModuleOptions(config) }),
    // Applied to login only (per client address); per-account failures are counted in AuthService.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ throttlers: [{ name: 'login', ttl: 60_000, limit: config.app.loginPerIpPerMinute }] }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokenService, AuthService, AuthMetrics,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenService, AuthService, UsersModule, SessionsModule],
})
export class AuthModule {}
