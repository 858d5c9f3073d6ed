// @ts-check

/**
 * Proposals beyond canary actions: a waiver request or a template with
 * values. `kind` says which; `payload` (JSON) holds what that kind needs
 * (check id and expiry, template ref and values). Rollout columns are
 * empty strings for the other kinds.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('assistant_proposals', table => {
    table.string('kind', 16).notNullable().defaultTo('rollout');
    table.text('payload');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('assistant_proposals', table => {
    table.dropColumn('payload');
    table.dropColumn('kind');
  });
};
