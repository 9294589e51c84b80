import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';

/**
 * Provides the validated AppConfig everywhere. The config is built before the
 * module (main.ts from the environment, tests from their own values), so a bad
 * variable stops start-up before anything connects.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: AppConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }

  /** Loads `.env` (when present) into process.env through @nestjs/config, then validates. */
  static async loadFromEnvironment(): Promise<AppConfig> {
    await ConfigModule.forRoot({ ignoreEnvFile: false, envFilePath: '.env' });
    await ConfigModule.envVariablesLoaded;
    return AppConfig.fromEnvironment(process.env);
  }
}
