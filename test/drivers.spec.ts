/*
 * @adonisjs/session
 */

import { join } from 'path'
import { promises as fs } from 'fs'
import { driverContract } from './helpers/contract'
import { setupApp, tmpPath, SESSION_DEFAULTS, APP_KEY } from './helpers/app'
import { redisClient, redisConnections } from './helpers/redis'
import { MemoryDriver } from '../src/Drivers/Memory'
import { Encryption } from '@adonisjs/core/build/standalone'

const base = SESSION_DEFAULTS

driverContract('memory', {
  merges: true,
  setup: () => setupApp({ ...base, driver: 'memory' }),
  async peek(_, id) {
    const entry = MemoryDriver.sessions.get(id)
    return entry ? JSON.parse(entry.json) : null
  },
  async expire(_, id) {
    MemoryDriver.sessions.get(id)!.expiresAt = Date.now() - 1
  },
})

driverContract('file', {
  merges: true,
  setup: () => setupApp({ ...base, driver: 'file', file: { location: tmpPath('sessions') } }),
  async peek(app, id) {
    try {
      const raw = await fs.readFile(join(app.manager.config.file!.location, `${id}.txt`), 'utf-8')
      return JSON.parse(raw).message
    } catch (error) {
      if (error.code === 'ENOENT') {
        return null
      }
      throw error
    }
  },
  async expire(app, id) {
    const past = new Date(Date.now() - 3 * 3600 * 1000)
    await fs.utimes(join(app.manager.config.file!.location, `${id}.txt`), past, past)
  },
})

const redis = redisClient()
driverContract('redis', {
  merges: true,
  setup: () =>
    setupApp(
      { ...base, driver: 'redis', redisConnection: 'local' },
      { providers: ['@adonisjs/redis'], redis: redisConnections }
    ),
  async peek(_, id) {
    const raw = await redis.get(id)
    return raw ? JSON.parse(raw).message : null
  },
  async expire(_, id) {
    await redis.del(id)
  },
  async teardown() {
    await redis.quit()
  },
})

const encryption = new Encryption({ secret: APP_KEY })
driverContract('cookie', {
  merges: false,
  setup: () => setupApp({ ...base, driver: 'cookie' }),
  async peek(_, id, browser) {
    const raw = browser.cookies.get(id)
    if (!raw) {
      return null
    }
    const values = encryption.decrypt(raw.slice(2), id) as any
    delete values.__expires_at__
    return values
  },
})

/**
 * The driver from the docs' "Creating a custom session driver" section:
 * only read/write/destroy/touch, so whole-object writes
 */
const CUSTOM: Map<string, Record<string, any>> = new Map()
driverContract('extended (read/write/destroy/touch only)', {
  merges: false,
  setup: () =>
    setupApp(
      { ...base, driver: 'custom', custom: { label: 'docs' } },
      {
        beforeBoot(app) {
          app.container.use('Adonis/Addons/Session').extend('custom', () => ({
            async read(sessionId: string) {
              return CUSTOM.get(sessionId) || null
            },
            async write(sessionId: string, values: Record<string, any>) {
              CUSTOM.set(sessionId, JSON.parse(JSON.stringify(values)))
            },
            async destroy(sessionId: string) {
              CUSTOM.delete(sessionId)
            },
            async touch() {},
          }))
        },
      }
    ),
  async peek(_, id) {
    const values = CUSTOM.get(id)
    return values && Object.keys(values).length ? values : null
  },
})
