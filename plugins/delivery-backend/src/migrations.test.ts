import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import fs from 'node:fs';

const directory = resolvePackagePath('@portolan/plugin-delivery-backend', 'migrations');
const tableName = 'delivery_knex_migrations';
const migrations = fs.readdirSync(directory).filter(f => f.endsWith('.js')).sort();

jest.setTimeout(60_000);

describe('delivery migrations', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'go up and all the way down and up again, one at a time, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const tables = async () => {
        const present = [];
        for (const table of ['delivery_deployments', 'delivery_revision_metadata', 'delivery_ingestion_state', 'delivery_rollout_actions']) {
          if (await knex.schema.hasTable(table)) present.push(table);
        }
        return present;
      };

      // Up one at a time: every step applies on what the previous left.
      for (let i = 0; i < migrations.length; i++) {
        await knex.migrate.up({ directory, tableName });
      }
      const [, pending] = await knex.migrate.list({ directory, tableName });
      expect(pending).toEqual([]);
      expect(await tables()).toEqual([
        'delivery_deployments',
        'delivery_revision_metadata',
        'delivery_ingestion_state',
        'delivery_rollout_actions',
      ]);

      // Every down step runs and the schema is gone at the bottom.
      for (let i = migrations.length - 1; i >= 0; i--) {
        await knex.migrate.down({ directory, tableName });
      }
      const [done] = await knex.migrate.list({ directory, tableName });
      expect(done).toEqual([]);
      expect(await tables()).toEqual([]);

      // And up again from nothing.
      await knex.migrate.latest({ directory, tableName });
      expect(await tables()).toHaveLength(4);
    },
  );

  it('has a down for every up', () => {
    for (const file of migrations) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const migration = require(`${directory}/${file}`);
      expect([file, typeof migration.up, typeof migration.down]).toEqual([file, 'function', 'function']);
    }
  });
});
