/*
 * @adonisjs/session
 */

import { join } from 'path'
import { promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { driverContract } from './helpers/contract'
import { captureLogs } from './helpers/logs'
import { setupApp, tmpPath, SESSION_DEFAULTS, APP_KEY, TestApp } from './helpers/app'
import { redisApp, redisClient } from './helpers/redis'
import { fileApp, readSessionFile } from './helpers/file_app'
import { MemoryDriver } from '../src/Drivers/Memory'
import { ChangeAwareDriver, SessionChange } from '../src/Drivers/Shared/change'
import { RedisDriver } from '../src/Drivers/Redis'
import { generateSessionId } from '../src/SessionId'
import { Encryption } from '@adonisjs/core/build/standalone'

const base = SESSION_DEFAULTS

driverContract('memory', {
  merges: true,
  setup: () => setupApp({ ...base, driver: 'memory' }),
  driver: (app) => app.manager.createDriver(),
  async peek(_, id) {
    const entry = MemoryDriver.sessions.get(id)
    return entry ? JSON.parse(entry.json) : null
  },
  async expire(_, id) {
    MemoryDriver.sessions.get(id)!.expiresAt = Date.now() - 1
  },
})

const fileOf = (app: TestApp, id: string) => join(app.manager.config.file!.location, `${id}.txt`)
driverContract('file', {
  merges: true,
  setup: (logs) =>
    setupApp(
      { ...base, driver: 'file', file: { location: tmpPath('sessions') } },
      { beforeBoot: (application) => captureLogs(application, logs) }
    ),
  driver: (app) => app.manager.createDriver(),
  writeRaw: (app, id, text) => fs.writeFile(fileOf(app, id), text),
  copyStored: (app, fromId, toId) => fs.copyFile(fileOf(app, fromId), fileOf(app, toId)),
  async peek(app, id) {
    const stored = await readSessionFile(app.manager.config.file!.location, id)
    return stored && stored.message
  },
  async expire(app, id) {
    const past = new Date(Date.now() - 3 * 3600 * 1000)
    await fs.utimes(join(app.manager.config.file!.location, `${id}.txt`), past, past)
  },
})

const redis = redisClient()
driverContract('redis', {
  merges: true,
  setup: (logs) => redisApp({ beforeBoot: (application) => captureLogs(application, logs) }),
  driver: (app) => app.manager.createDriver(),
  async writeRaw(_, id, text) {
    await redis.set(id, text, 'EX', 60)
  },
  async copyStored(_, fromId, toId) {
    await redis.set(toId, (await redis.get(fromId))!, 'EX', 60)
  },
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
  keepsEmptied: true,
  setup: () => setupApp({ ...base, driver: 'cookie' }),
  async peek(_, id, browser) {
    const raw = browser.cookies.get(id)
    return raw ? encryption.decrypt(raw.slice(2), id) : null
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

test.group('redis driver: the commands of one turn of the event loop', (group) => {
  let app: TestApp
  const client = redisClient()
  group.each.teardown(() => app?.close())
  group.teardown(() => client.quit())

  async function boot() {
    app = await redisApp()
    const connection = app.app.container.use('Adonis/Addons/Redis').connection('local')
    const driver = () => app.manager.createDriver() as RedisDriver
    await driver().read('warm-up')
    await driver().update('warm-up', () => null)

    /**
     * Records the size of every pipeline the connection executes, passing
     * everything through
     */
    const pipelines: number[] = []
    const io = connection.ioConnection
    const pipeline = io.pipeline
    io.pipeline = function (this: any, ...args: any[]) {
      const created = pipeline.apply(this, args)
      const exec = created.exec
      created.exec = function (this: any, ...execArgs: any[]) {
        pipelines.push(created.length)
        return exec.apply(this, execArgs)
      }
      return created
    }
    return { driver, pipelines }
  }

  test('go to Redis as one pipeline; each gets its own result and a fresh TTL', async ({
    assert,
  }) => {
    const { driver, pipelines } = await boot()
    const ids = Array.from({ length: 5 }, () => generateSessionId())
    for (const [index, id] of ids.slice(0, 3).entries()) {
      await driver().write(id, { index })
      await client.expire(id, 60)
    }
    await client.rpush(ids[3], 'not a session')

    const values = await Promise.all(ids.map((id) => driver().read(id)))
    assert.deepEqual(pipelines, [5])
    assert.deepEqual(values, [{ index: 0 }, { index: 1 }, { index: 2 }, null, null])
    for (const id of ids.slice(0, 3)) {
      assert.isAbove(await client.ttl(id), 60)
    }
    assert.equal(await client.type(ids[3]), 'list')
    assert.equal(await client.exists(ids[4]), 0)
    await client.del(...ids)
  })

  test('writes and reads go out together; a write that conflicts is retried alone', async ({
    assert,
  }) => {
    const { driver, pipelines } = await boot()
    const ids = Array.from({ length: 4 }, () => generateSessionId())
    for (const [index, id] of ids.entries()) {
      await driver().write(id, { index })
    }
    const writers = ids.slice(0, 3).map(() => driver())
    await Promise.all(writers.map((writer, index) => writer.read(ids[index])))
    assert.deepEqual(pipelines, [3])

    /**
     * The second session changes after its request read it: its
     * compare-and-set fails in the pipeline and is sent again, by itself,
     * from what Redis holds now
     */
    await driver().write(ids[1], { index: 1, changed: true })
    const add = (values: Record<string, any> | null) => ({ ...values, added: true })
    const [, , , fourth] = await Promise.all([
      ...writers.map((writer, index) => writer.update(ids[index], add)),
      driver().read(ids[3]),
    ])
    assert.deepEqual(pipelines, [3, 4])
    assert.deepEqual(fourth, { index: 3 })
    assert.deepEqual(await driver().read(ids[0]), { index: 0, added: true })
    assert.deepEqual(await driver().read(ids[1]), { index: 1, changed: true, added: true })
    assert.deepEqual(await driver().read(ids[2]), { index: 2, added: true })
    assert.isAbove(await client.ttl(ids[0]), 60)
    await client.del(...ids)
  })

  test('a read alone is sent as a plain command', async ({ assert }) => {
    const { driver, pipelines } = await boot()
    const id = generateSessionId()
    await driver().write(id, { alone: true })
    assert.deepEqual(await driver().read(id), { alone: true })
    assert.deepEqual(pipelines, [])
    await client.del(id)
  })
})

test.group('an uncontended change takes its values from the session', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  /**
   * A change whose replay must not run: its values are the session's while
   * the store holds the object the driver's read returned, and only then
   */
  function vouching(read: Record<string, any> | null, result: Record<string, any>) {
    const replay = () => {
      throw new Error('replayed although the store held what was read')
    }
    return new SessionChange(replay, read, () => result)
  }

  async function check(assert: any, driver: () => ChangeAwareDriver) {
    const id = generateSessionId()
    await driver().write(id, { a: 1 })
    const reader = driver()
    const read = await reader.read(id)
    assert.deepEqual(read, { a: 1 })
    await reader.applyChange(id, vouching(read, { a: 2 }))
    assert.deepEqual(await driver().read(id), { a: 2 })

    /**
     * Once the stored copy changed behind the request's back, what the
     * session offered is refused by the compare and the replay runs on
     * what is stored
     */
    const late = driver()
    const lateRead = await late.read(id)
    await driver().write(id, { a: 3, other: true })
    const replayed = new SessionChange(
      (current) => ({ ...current, a: 4 }),
      lateRead,
      () => ({
        a: 'stale',
      })
    )
    await late.applyChange(id, replayed)
    assert.deepEqual(await driver().read(id), { a: 4, other: true })
  }

  test('redis', async ({ assert }) => {
    app = await redisApp()
    await check(assert, () => app.manager.createDriver() as ChangeAwareDriver)
  })

  test('file', async ({ assert }) => {
    const location = tmpPath('from-read-sessions')
    app = await fileApp(location)
    await check(assert, () => app.manager.createDriver() as ChangeAwareDriver)
    await remove(location)
  })
})
