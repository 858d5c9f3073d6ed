// @ts-check

/**
 * Timeline filtered by environment: (entity, environment, time) lets the
 * database walk the index in order instead of filtering the entity's rows.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.index(
      ['entity_ref', 'environment', 'started_at', 'id'],
      'delivery_deployments_entity_env_time_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.dropIndex([], 'delivery_deployments_entity_env_time_idx');
  });
};
