/*
 * The database driver's side of the benchmark app (SESSION_DRIVER=database): the
 * session table, created as the package's make:session-table migration creates it,
 * emptied by the harness between cells, and a count of the statements the app sends,
 * taken at the pg client (a counter, no logging on the request path): the driver's
 * prepared statements reach it without going through knex's 'query' event.
 */
const use = global[Symbol.for('ioc.use')]

const TABLE = process.env.SESSION_TABLE || 'bench_sessions'

/**
 * Statements sent on the session connection, by their first keyword
 */
const queries = {}

/**
 * Count each statement a pg client sends, by its first keyword
 */
function countStatements(client) {
  const query = client.query
  client.query = function countedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && config.text
    const kind = String(text).trim().split(/\s/, 1)[0].toUpperCase()
    queries[kind] = (queries[kind] || 0) + 1
    return query.call(this, config, ...rest)
  }
}

async function prepareDatabase() {
  const connection = use('Adonis/Lucid/Database').connection()
  const knex = connection.getWriteClient()
  countStatements(require('pg').Client.prototype)
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
