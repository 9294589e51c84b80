import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { applyHttpTimeouts } from './common/http/http-timeouts';

/**
 * Builds the application exactly as `npm start` runs it; e2e tests call this
 * with their own AppConfig, then `listen(0)`.
 */
export async function createApp(config: AppConfig, logDestination?: NodeJS.WritableStream): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logDestination), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  applyHttpTimeouts(app.getHttpServer(), config.http);
  app.set('trust proxy', 'loopback');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  app.useGlobalFilters(new HttpExceptionFilter());
  setUpOpenApi(app);
  return app;
}

function setUpOpenApi(app: INestApplication): void {
  const doc = new DocumentBuilder()
    .setTitle('Portcullis')
    .setDescription('REST API of Portcullis. The WebSocket protocol is described in docs/asyncapi.yaml and docs/protocol.md.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc));
}
