// @ts-check

/**
 * Daily costs ingested from OpenCost, budgets and budget alerts.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  // One row per workload (controller), cluster and UTC day, a column per
  // resource: the (entity, environment, cluster, resource) daily costs.
  await knex.schema.createTable('finops_workload_costs', table => {
    table.bigIncrements('id').primary();
    table.string('day', 10).notNullable();
    table.string('cluster', 253).notNullable();
    table.string('environment', 63).notNullable();
    table.string('namespace', 253).notNullable();
    table.string('workload', 253).notNullable();
    // 'workload', or 'idle' for the cluster's unused capacity.
    table.string('kind', 16).notNullable();
    // null: no entity claims it (unallocated).
    table.string('entity_ref', 255);
    for (const c of [
      'cpu_cost',
      'ram_cost',
      'pv_cost',
      'network_cost',
      'lb_cost',
      'other_cost',
      'total_cost',
    ]) {
      table.double(c).notNullable().defaultTo(0);
    }
    for (const c of [
      'cpu_request',
      'cpu_usage',
      'ram_request',
      'ram_usage',
      'minutes',
    ]) {
      table.double(c).notNullable().defaultTo(0);
    }
    table.unique(['cluster', 'day', 'namespace', 'workload', 'kind'], {
      indexName: 'finops_workload_costs_uniq',
    });
    table.index(['entity_ref', 'day'], 'finops_workload_costs_entity_idx');
    table.index(['day'], 'finops_workload_costs_day_idx');
  });
  // Per entity and day, all clusters: what team and organisation views read.
  // '__unallocated__' and '__idle__' stand for what no entity claims.
  await knex.schema.createTable('finops_entity_daily', table => {
    table.string('entity_ref', 255).notNullable();
    table.string('day', 10).notNullable();
    table.double('total_cost').notNullable();
    table.primary(['entity_ref', 'day']);
    table.index(['day'], 'finops_entity_daily_day_idx');
  });
  // The catalog as last seen by ingestion: owners, systems, annotation budgets.
  await knex.schema.createTable('finops_entities', table => {
    table.string('entity_ref', 255).primary();
    table.string('title', 255);
    table.string('owner_ref', 255);
    table.string('system_ref', 255);
    table.double('annotation_budget');
    table.index(['owner_ref'], 'finops_entities_owner_idx');
  });
  await knex.schema.createTable('finops_ingestion_state', table => {
    table.string('cluster', 253).primary();
    table.string('last_day', 10);
    table.timestamp('last_success_at', { useTz: true });
    table.timestamp('last_attempt_at', { useTz: true });
    table.text('last_error');
    table.integer('failures').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('finops_budgets', table => {
    table.string('entity_ref', 255).primary();
    table.double('amount').notNullable();
    table.string('currency', 3).notNullable();
    table.string('set_by', 255).notNullable();
    table.timestamp('set_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('finops_budget_alerts', table => {
    table.string('entity_ref', 255).notNullable();
    table.string('period', 7).notNullable();
    table.double('budget').notNullable();
    table.double('forecast').notNullable();
    table.timestamp('sent_at', { useTz: true }).notNullable();
    table.primary(['entity_ref', 'period']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('finops_budget_alerts');
  await knex.schema.dropTable('finops_budgets');
  await knex.schema.dropTable('finops_ingestion_state');
  await knex.schema.dropTable('finops_entities');
  await knex.schema.dropTable('finops_entity_daily');
  await knex.schema.dropTable('finops_workload_costs');
};
