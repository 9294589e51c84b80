import { PassThrough } from 'node:stream';
import { AppConfig } from '../../config/app-config';
import { ACCESS_LOG_LEVEL, createLogging } from './logger.options';

const configAt = (level: string) => AppConfig.fromEnvironment({ NODE_ENV: 'test', LOG_LEVEL: level, SQLITE_PATH: ':memory:' });

describe('createLogging', () => {
  it('mounts request logging only where its lines would be written', () => {
    expect(ACCESS_LOG_LEVEL).toBe('info');
    for (const level of ['trace', 'debug', 'info']) expect(typeof createLogging(configAt(level), new PassThrough()).http).toBe('function');
    for (const level of ['warn', 'error', 'fatal', 'silent']) expect(createLogging(configAt(level), new PassThrough()).http).toBeNull();
  });
});
