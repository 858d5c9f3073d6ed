// @ts-check

/**
 * Compliance: services as last seen, check results (a row per stretch of
 * unchanged status), weekly scores and KPI snapshots, waivers.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('compliance_entities', table => {
    table.string('entity_ref', 255).primary();
    table.string('title', 255);
    table.string('owner_ref', 255);
    table.string('system_ref', 255);
    table.string('lifecycle', 63);
    // false once the service left the catalog (kept for the evidence).
    table.boolean('active').notNullable().defaultTo(true);
    table.index(['owner_ref'], 'compliance_entities_owner_idx');
  });
  // One row per (service, check) stretch with the same status and reason:
  // the evidence export reads the rows overlapping its range.
  await knex.schema.createTable('compliance_results', table => {
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('check_id', 63).notNullable();
    // pass, fail or unknown as evaluated (waivers are applied on read).
    table.string('status', 16).notNullable();
    table.text('reason').notNullable();
    table.text('evidence').notNullable();
    table.timestamp('first_seen', { useTz: true }).notNullable();
    table.timestamp('last_seen', { useTz: true }).notNullable();
    table.boolean('current').notNullable();
    table.index(['entity_ref', 'check_id'], 'compliance_results_entity_idx');
    table.index(['current'], 'compliance_results_current_idx');
    table.index(['last_seen'], 'compliance_results_last_seen_idx');
  });
  await knex.schema.createTable('compliance_scores', table => {
    table.string('entity_ref', 255).notNullable();
    table.string('week', 10).notNullable();
    table.double('score');
    table.string('level', 63).notNullable();
    table.integer('pass').notNullable();
    table.integer('fail').notNullable();
    table.integer('waived').notNullable();
    table.integer('unknown').notNullable();
    table.timestamp('evaluated_at', { useTz: true }).notNullable();
    table.primary(['entity_ref', 'week']);
    table.index(['week'], 'compliance_scores_week_idx');
  });
  // Weekly KPIs of the organisation ('organisation') and of each team (group ref).
  await knex.schema.createTable('compliance_kpis', table => {
    table.string('scope', 255).notNullable();
    table.string('week', 10).notNullable();
    table.text('snapshot').notNullable();
    table.primary(['scope', 'week']);
  });
  await knex.schema.createTable('compliance_waivers', table => {
    table.string('id', 36).primary();
    table.string('entity_ref', 255).notNullable();
    table.string('check_id', 63).notNullable();
    table.text('reason').notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    // pending, approved or rejected (expiry is read from expires_at).
    table.string('status', 16).notNullable();
    table.string('requested_by', 255).notNullable();
    table.timestamp('requested_at', { useTz: true }).notNullable();
    table.string('decided_by', 255);
    table.timestamp('decided_at', { useTz: true });
    table.text('comment');
    table.index(['entity_ref'], 'compliance_waivers_entity_idx');
    table.index(['status'], 'compliance_waivers_status_idx');
  });
  await knex.schema.createTable('compliance_state', table => {
    table.string('key', 63).primary();
    table.text('value').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const t of [
    'compliance_state',
    'compliance_waivers',
    'compliance_kpis',
    'compliance_scores',
    'compliance_results',
    'compliance_entities',
  ]) {
    await knex.schema.dropTable(t);
  }
};
