// @ts-check

/**
 * Conversations per user, their messages (redacted before they are stored)
 * and the proposals a user may approve. Times are epoch milliseconds.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('assistant_conversations', table => {
    table.string('id', 36).primary();
    table.string('user_ref', 255).notNullable();
    table.string('entity_ref', 255);
    table.string('title', 200).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['user_ref', 'updated_at'], 'assistant_conversations_user_idx');
    table.index(['updated_at'], 'assistant_conversations_updated_idx');
  });
  await knex.schema.createTable('assistant_messages', table => {
    table.string('id', 36).primary();
    table
      .string('conversation_id', 36)
      .notNullable()
      .references('id')
      .inTable('assistant_conversations')
      .onDelete('CASCADE');
    table.integer('seq').notNullable();
    table.string('role', 16).notNullable();
    table.text('content').notNullable();
    // JSON: tools called, sources, proposal ids, brief, notice, model.
    table.text('meta').notNullable();
    // 1 up, -1 down, null none.
    table.integer('feedback');
    table.bigInteger('created_at').notNullable();
    table.unique(['conversation_id', 'seq']);
  });
  await knex.schema.createTable('assistant_proposals', table => {
    table.string('id', 36).primary();
    table
      .string('conversation_id', 36)
      .notNullable()
      .references('id')
      .inTable('assistant_conversations')
      .onDelete('CASCADE');
    table.string('user_ref', 255).notNullable();
    table.string('entity_ref', 255).notNullable();
    table.string('action', 32).notNullable();
    table.string('cluster', 253).notNullable();
    table.string('namespace', 253).notNullable();
    table.string('rollout', 253).notNullable();
    table.string('environment', 63);
    table.string('resource_version', 64).notNullable();
    table.string('based_on', 500).notNullable();
    table.string('reason', 500).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable();
    // Set once, atomically, by the approval that uses it (single use).
    table.bigInteger('used_at');
    // 'approved' or 'failed', with what happened.
    table.string('status', 16);
    table.text('outcome');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('assistant_proposals');
  await knex.schema.dropTable('assistant_messages');
  await knex.schema.dropTable('assistant_conversations');
};
