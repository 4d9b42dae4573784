/*
 * Session config, driven by the harness through environment variables. A plain
 * object (not the package's `sessionConfig()` helper) so it is byte-identical for
 * every variant whatever the helper's import path.
 */
const { join } = require('path')

module.exports = {
  enabled: process.env.SESSION_ENABLED !== 'false',
  driver: process.env.SESSION_DRIVER || 'cookie',
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  cookie: {
    path: '/',
    httpOnly: true,
    sameSite: false,
  },
  file: {
    location: process.env.SESSION_DIR || join(__dirname, '..', 'tmp', 'sessions'),
  },
  redisConnection: 'session',
  database: { connection: 'session', table: process.env.SESSION_TABLE || 'bench_sessions' },
  // BENCH_VARY_COOKIE=0 turns off varyCookie, the one new option on by default
  // that changes responses; 6.4 and older builds ignore the key
  ...(process.env.BENCH_VARY_COOKIE === '0' ? { varyCookie: false } : {}),
}
