import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './database.options';

/** For the TypeORM CLI (`npm run migration:*`): same options as the running app. */
export default new DataSource(buildDataSourceOptions(AppConfig.fromEnvironment(process.env).database));
