/*
 * The database driver's side of the benchmark app (SESSION_DRIVER=database): the
 * session table, created as the package's make:session-table migration creates it,
 * emptied by the harness between cells, and a count of the statements the app sends,
 * read from knex's own 'query' event (a counter, no logging on the request path).
 */
const use = global[Symbol.for('ioc.use')]

const TABLE = process.env.SESSION_TABLE || 'bench_sessions'

/**
 * Statements sent on the session connection, by their first keyword
 */
const queries = {}

async function prepareDatabase() {
  const connection = use('Adonis/Lucid/Database').connection()
  const knex = connection.getWriteClient()
  knex.on('query', function countQuery(query) {
    const kind = String(query.sql).trim().split(/\s/, 1)[0].toUpperCase()
    queries[kind] = (queries[kind] || 0) + 1
  })
  await knex.schema.dropTableIfExists(TABLE)
  await knex.schema.createTable(TABLE, (table) => {
    table.string('id', 64).primary()
    table.text('payload').notNullable()
    table.bigInteger('version').notNullable().defaultTo(1)
    table.bigInteger('expires_at').notNullable().index()
    table.string('user_id', 64).nullable().index()
  })
  return {
    queries,
    reset: () => knex(TABLE).truncate(),
    drop: () => knex.schema.dropTableIfExists(TABLE),
  }
}

module.exports = { prepareDatabase }
