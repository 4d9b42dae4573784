/*
 * @adonisjs/session
 *
 * Where the tests find Redis, and a clear failure when it is not there
 */

import Redis from 'ioredis'

export const REDIS_HOST = process.env.REDIS_HOST || '127.0.0.1'
export const REDIS_PORT = Number(process.env.REDIS_PORT || 6379)

/**
 * Redis db the tests use, so that they never touch db 0
 */
export const REDIS_DB = 9

/**
 * Fails a Redis test with what to do when no Redis answers where the
 * tests look for it (setupApp calls it for every app with @adonisjs/redis)
 */
export async function ensureRedis() {
  const client = new Redis({
    host: REDIS_HOST,
    port: REDIS_PORT,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    throw new Error(
      `Redis is not reachable at REDIS_HOST=${REDIS_HOST} REDIS_PORT=${REDIS_PORT} (${error.message}). Start a Redis server there, or set REDIS_HOST/REDIS_PORT`
    )
  } finally {
    client.disconnect()
  }
}
