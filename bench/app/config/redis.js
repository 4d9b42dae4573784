/*
 * One connection for the session driver, on a dedicated db (5 by default) so the
 * harness can FLUSHDB it between cells without touching anyone else's keys. The
 * connection name lets the harness tell its clients from anyone else's.
 */
module.exports = {
  connection: 'session',
  connections: {
    session: {
      host: '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
      password: '',
      db: Number(process.env.REDIS_DB || 5),
      keyPrefix: '',
      connectionName: 'session-bench',
      healthCheck: false,
    },
  },
}
