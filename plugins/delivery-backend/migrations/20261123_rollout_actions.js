// @ts-check

/**
 * Canary actions taken through Portolan (promote, abort, ...), shown in the
 * deployment timeline next to the deploys they acted on.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('delivery_rollout_actions', table => {
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63);
    table.string('cluster', 253).notNullable();
    table.string('namespace', 253).notNullable();
    table.string('rollout', 253).notNullable();
    table.string('action', 32).notNullable();
    table.string('actor', 255).notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.integer('step_before').notNullable();
    table.integer('step_after').notNullable();
    table.string('phase_before', 32).notNullable();
    table.string('phase_after', 32).notNullable();
    table.index(
      ['entity_ref', 'at'],
      'delivery_rollout_actions_entity_time_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('delivery_rollout_actions');
};
