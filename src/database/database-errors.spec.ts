import { CannotExecuteNotConnectedError, QueryFailedError, TypeORMError } from 'typeorm';
import { isDatabaseUnavailable } from './database-errors';

const failed = (driverError: object) => new QueryFailedError('SELECT 1', [], Object.assign(new Error('x'), driverError));

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['PostgreSQL shutting down (57P01)', failed({ code: '57P01' })],
    ['PostgreSQL not accepting connections yet (57P03)', failed({ code: '57P03' })],
    ['a PostgreSQL connection exception (08006)', failed({ code: '08006' })],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a client whose connectionTimeoutMillis fired', new Error('timeout expired')],
    ['pg losing the connection', new Error('Connection terminated unexpectedly')],
    ['SQLite locked past its busy timeout', failed({ code: 'SQLITE_BUSY' })],
    ['TypeORM without a connection', new CannotExecuteNotConnectedError('default')],
    ['TypeORM whose PostgreSQL pool has ended', new TypeORMError('Driver not Connected')],
  ])('is true for %s', (_, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ['a unique violation', failed({ code: '23505' })],
    ['an SQL syntax error', failed({ code: '42601' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('is false for %s', (_, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});
