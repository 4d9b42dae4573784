/*
 * The PostgreSQL connection of the database driver's cells, from the same PG_*
 * variables as the test suite. Lucid connects on the first query only, so the other
 * drivers' cells never open it.
 */
module.exports = {
  connection: 'session',
  connections: {
    session: {
      client: 'pg',
      connection: {
        host: process.env.PG_HOST || '127.0.0.1',
        port: Number(process.env.PG_PORT || 5432),
        user: process.env.PG_USER || 'postgres',
        password: process.env.PG_PASSWORD || '',
        database: process.env.PG_DATABASE || 'test',
      },
      pool: { min: 0, max: 10 },
      healthCheck: false,
      debug: false,
    },
  },
}
