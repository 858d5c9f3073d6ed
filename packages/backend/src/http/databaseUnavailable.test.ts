import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import express from 'express';
import knexFactory from 'knex';
import request from 'supertest';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  databasePort,
  databaseUnavailable,
  isDatabaseUnavailable,
} from './databaseUnavailable';

const config = new ConfigReader({
  backend: {
    database: {
      client: 'pg',
      connection: { host: '127.0.0.1', port: 9, user: 'nobody' },
    },
  },
});

function appWith(route: express.RequestHandler) {
  const app = express();
  app.use(databaseUnavailable(config));
  app.get('/thing', route);
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: mockServices.logger.mock(),
    }).error(),
  );
  return app;
}

describe('databaseUnavailable', () => {
  it('answers 503 with Retry-After when PostgreSQL cannot be reached, without the driver details', async () => {
    // A real pg client against a port where nothing listens: the error the
    // driver really gives while PostgreSQL restarts.
    const knex = knexFactory({
      client: 'pg',
      connection: 'postgresql://nobody:secret@127.0.0.1:9/none',
      acquireConnectionTimeout: 2_000,
    });
    const app = appWith(async (_req, res, next) => {
      try {
        res.json(await knex.raw('select 1'));
      } catch (error) {
        next(error);
      }
    });
    const res = await request(app).get('/thing');
    await knex.destroy();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe(
      String(DATABASE_RETRY_AFTER_SECONDS),
    );
    expect(res.body.error).toEqual({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(/database is not reachable/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|secret/);
  });

  it('knows PostgreSQL restarting (SQLSTATE 57P01/57P03) and pg losing its connection', () => {
    expect(
      isDatabaseUnavailable(
        { name: 'error', code: '57P01', severity: 'FATAL' },
        9,
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        { name: 'error', code: '57P03', severity: 'FATAL' },
        undefined,
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        { name: 'Error', message: 'Connection terminated unexpectedly' },
        undefined,
      ),
    ).toBe(true);
    // A constraint violation is the caller's problem, not an outage.
    expect(
      isDatabaseUnavailable(
        { name: 'error', code: '23505', severity: 'ERROR' },
        9,
      ),
    ).toBe(false);
    expect(databasePort(config)).toBe(9);
    expect(
      databasePort(
        new ConfigReader({
          backend: { database: { connection: 'postgresql://u:p@db:6543/x' } },
        }),
      ),
    ).toBe(6543);
    expect(
      databasePort(
        new ConfigReader({
          backend: {
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
        }),
      ),
    ).toBeUndefined();
  });

  it('leaves other errors as they are', async () => {
    const app = appWith(() => {
      throw new Error('a bug, not the database');
    });
    const bug = await request(app).get('/thing');
    expect(bug.status).toBe(500);

    const upstream = appWith((_req, _res, next) => {
      // The same network error, from an upstream on another port.
      next(
        Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), {
          code: 'ECONNREFUSED',
          syscall: 'connect',
          port: 443,
        }),
      );
    });
    const res = await request(upstream).get('/thing');
    // An upstream that is down is not the database: no 503 claim here.
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });
});
