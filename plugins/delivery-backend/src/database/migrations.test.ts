import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const config = {
  directory: resolvePackagePath(
    '@portolan/plugin-delivery-backend',
    'migrations',
  ),
  tableName: 'delivery_knex_migrations',
};
const TABLES = [
  'delivery_deployments',
  'delivery_revision_metadata',
  'delivery_ingestion_state',
  'delivery_rollout_actions',
];

describe('delivery migrations', () => {
  it.each(databases.eachSupportedId())(
    'migrate up, all the way down, and up again, %p',
    async id => {
      const knex = await databases.init(id);
      await knex.migrate.latest(config);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      expect(
        await knex.schema.hasColumn('delivery_deployments', 'repo_url'),
      ).toBe(true);
      await knex('delivery_deployments').insert({
        entity_ref: 'component:default/web-shop',
        environment: 'prod',
        instance: 'argocd-prod',
        app: 'web-shop-prod',
        history_id: 0,
        revision: 'a'.repeat(40),
        started_at: new Date('2026-11-02T12:00:00Z'),
        result: 'succeeded',
      });

      // Every migration's down undoes its up.
      while ((await knex.migrate.currentVersion(config)) !== 'none')
        await knex.migrate.down(config);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(false);

      await knex.migrate.latest(config);
      for (const table of TABLES)
        expect(await knex.schema.hasTable(table)).toBe(true);
      // Down dropped the rows with the tables: a clean slate.
      const [{ n }] = await knex('delivery_deployments').count({ n: '*' });
      expect(Number(n)).toBe(0);
    },
  );
});
