import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DemoController } from './demo.controller';

/** The /demo page: on by default outside production, DEMO_ENABLED to choose. Off, the route does not exist. */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: DemoModule, controllers: config.demo.enabled ? [DemoController] : [] };
  }
}
