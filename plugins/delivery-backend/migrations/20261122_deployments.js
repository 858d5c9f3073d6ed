// @ts-check

/**
 * Deployments ingested from Argo CD, kept beyond Argo CD's own history.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('delivery_deployments', table => {
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.string('cluster', 253);
    table.string('instance', 63).notNullable();
    table.string('app', 253).notNullable();
    // Argo CD's history id; negative for an operation not (yet) in history.
    table.bigInteger('history_id').notNullable();
    table.string('revision', 255).notNullable();
    table.string('previous_revision', 255);
    table.string('commit_author', 255);
    table.text('commit_message');
    table.timestamp('commit_date', { useTz: true });
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('finished_at', { useTz: true });
    table.string('result', 32).notNullable();
    table.string('initiator', 255);
    // Two replicas or a re-run cannot duplicate a deployment.
    table.unique(['instance', 'app', 'history_id'], {
      indexName: 'delivery_deployments_source_uniq',
    });
    // The timeline query: one entity, newest first, keyset on (started_at, id).
    table.index(
      ['entity_ref', 'started_at', 'id'],
      'delivery_deployments_entity_time_idx',
    );
  });
  await knex.schema.createTable('delivery_revision_metadata', table => {
    table.string('instance', 63).notNullable();
    table.string('app', 253).notNullable();
    table.string('revision', 255).notNullable();
    table.string('author', 255);
    table.text('message');
    table.timestamp('date', { useTz: true });
    table.primary(['instance', 'app', 'revision']);
  });
  await knex.schema.createTable('delivery_ingestion_state', table => {
    table.string('instance', 63).primary();
    table.timestamp('last_success_at', { useTz: true });
    table.timestamp('last_attempt_at', { useTz: true });
    table.text('last_error');
    table.integer('failures').notNullable().defaultTo(0);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('delivery_ingestion_state');
  await knex.schema.dropTable('delivery_revision_metadata');
  await knex.schema.dropTable('delivery_deployments');
};
