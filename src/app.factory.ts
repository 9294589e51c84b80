import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { PortcullisWsAdapter } from './realtime/nest/portcullis-ws.adapter';
import { corsOptions } from './common/http/cors';
import { requestContext } from './common/http/request-context';
import { HTTP_LOGGER } from './common/logging/logger.options';
import type { HttpLogger } from 'pino-http';
import { applyHttpTimeouts } from './common/http/http-timeouts';
import { cacheValidationMetadata } from './common/validation/validation-metadata-cache';

/**
 * Builds the application exactly as `npm start` runs it; e2e tests call this
 * with their own AppConfig, then `listen(0)`.
 */
export async function createApp(config: AppConfig, logDestination?: NodeJS.WritableStream): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logDestination), { bufferLogs: true, abortOnError: false });
  return configureApp(app);
}

/** Everything createApp sets on the application; a testing module with extra modules is configured the same way. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get(AppConfig);
  cacheValidationMetadata();
  app.useLogger(app.get(Logger));
  // Express must not read forwarding headers on its own: requestContext sets req.ip from TRUST_PROXY, one rule for REST and sockets.
  app.set('trust proxy', false);
  app.use(requestContext(config.http.clientAddress));
  const requestLog = app.get<HttpLogger | null>(HTTP_LOGGER);
  if (requestLog) app.use(requestLog);
  if (config.http.corsOrigins.length) app.enableCors(corsOptions(config.http.corsOrigins));
  applyHttpTimeouts(app.getHttpServer(), config.http);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useWebSocketAdapter(new PortcullisWsAdapter(app));
  setUpOpenApi(app);
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const doc = new DocumentBuilder()
    .setTitle('Portcullis')
    .setDescription('REST API of Portcullis. The WebSocket protocol is described in docs/asyncapi.yaml and docs/protocol.md.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /v1/auth/login' })
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the service sets one' }, 'metricsToken')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc));
}
