// @ts-check

/**
 * Organisation-wide timeline and "deploys today": newest first across every
 * entity walks (started_at, id) instead of sorting the table.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.index(['started_at', 'id'], 'delivery_deployments_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.dropIndex([], 'delivery_deployments_time_idx');
  });
};
