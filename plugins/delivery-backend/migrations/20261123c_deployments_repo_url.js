// @ts-check

/**
 * The Git repository a deploy came from, so the timeline links the commit.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.string('repo_url', 1024);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('delivery_deployments', table => {
    table.dropColumn('repo_url');
  });
};
