/*
 * @adonisjs/session
 *
 * Real Redis for the tests, on REDIS_HOST:REDIS_PORT (db REDIS_DB)
 */

import Redis from 'ioredis'
import { AppOptions, REDIS_DB, REDIS_HOST, REDIS_PORT, SESSION_DEFAULTS, setupApp } from './app'

/**
 * The `config/redis` connections the test apps use
 */
export const redisConnections = {
  local: { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, password: '' },
}

/**
 * A direct client, to look at what the driver stored
 */
export function redisClient() {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, lazyConnect: false })
  /**
   * Without Redis, the tests that use the client fail with ensureRedis'
   * message; the client's own connection errors would only add noise
   */
  client.on('error', () => {})
  return client
}

/**
 * A test app on the redis driver through the `local` connection
 */
export function redisApp(options: AppOptions = {}) {
  return setupApp(
    { ...SESSION_DEFAULTS, driver: 'redis', redisConnection: 'local' },
    { ...options, providers: ['@adonisjs/redis'], redis: redisConnections }
  )
}

/**
 * A test app on the redis driver whose `local` connection goes to `port` on
 * this host: the specs that run a Redis server (or a proxy) of their own
 */
export function redisAppOn(port: number, session: Record<string, any> = {}) {
  return setupApp(
    { ...SESSION_DEFAULTS, driver: 'redis', redisConnection: 'local', ...session },
    {
      providers: ['@adonisjs/redis'],
      redis: { local: { host: '127.0.0.1', port, db: REDIS_DB, password: '' } },
    }
  )
}
