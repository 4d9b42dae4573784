/*
 * @adonisjs/session
 *
 * Expired file sessions are deleted: by a sweep that runs now and then in
 * the background of requests (`gcProbability`), by the manager's sweeper
 * and by `node ace session:gc`. A request that never stores anything
 * leaves no record in the file or redis stores.
 */

import { join } from 'path'
import { spawn } from 'child_process'
import { readFileSync, promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { setupApp, tmpPath, TestApp, SESSION_DEFAULTS } from './helpers/app'
import { runSessionGc } from './helpers/ace'
import { Browser, failures } from './helpers/browser'
import { fileApp } from './helpers/file_app'
import { defineSessionRoutes } from './helpers/routes'
import { redisClient, redisConnections } from './helpers/redis'
import { generateSessionId } from '../src/SessionId'
import { encodePayload } from '../src/Drivers/Shared/payload'
import { HOLDER_SUFFIX, LockOwner, NEXT_SUFFIX } from '../src/Drivers/File/lock'
import SessionGc from '../commands/SessionGc'

const HOUR = 60 * 60 * 1000
const EXPIRED = 10000
const LIVE = 20

const base = SESSION_DEFAULTS

type Population = {
  expired: string[]
  live: string[]
  /**
   * Leftovers of writes a dead process never finished, older than an hour
   */
  oldLeftovers: string[]
  /**
   * The same, recent: a write may still be in progress
   */
  newLeftovers: string[]
}

/**
 * Write `count` files with valid payloads, a few at a time, and set their
 * modification time
 */
async function writeSessions(location: string, count: number, mtime: Date) {
  const ids = Array.from({ length: count }, () => generateSessionId())
  for (let start = 0; start < ids.length; start += 250) {
    await Promise.all(
      ids.slice(start, start + 250).map(async (id, offset) => {
        const file = join(location, `${id}.txt`)
        await fs.writeFile(file, encodePayload(id, { user: start + offset }))
        await fs.utimes(file, mtime, mtime)
      })
    )
  }
  return ids
}

/**
 * What an interrupted write can leave: the `<id>.lock` file that holds the
 * next content until it is renamed over the session file
 */
function leftoverNames() {
  return [`${generateSessionId()}.lock`, `${generateSessionId()}.lock`]
}

/**
 * Expired sessions (3 hours old for a 2h age), live ones, and leftovers of
 * interrupted writes, two hours old and recent
 */
async function populate(location: string, expiredCount = EXPIRED): Promise<Population> {
  await fs.mkdir(location, { recursive: true })
  const past = new Date(Date.now() - 3 * HOUR)
  const expired = await writeSessions(location, expiredCount, past)
  const live = await writeSessions(location, LIVE, new Date())

  const oldLeftovers = leftoverNames()
  const newLeftovers = leftoverNames()
  for (const name of [...oldLeftovers, ...newLeftovers]) {
    await fs.writeFile(join(location, name), '{"message":')
  }
  const twoHoursAgo = new Date(Date.now() - 2 * HOUR)
  for (const name of oldLeftovers) {
    await fs.utimes(join(location, name), twoHoursAgo, twoHoursAgo)
  }
  return { expired, live, oldLeftovers, newLeftovers }
}

/**
 * What a sweep may report: the expired sessions, with or without the
 * leftovers it removed
 */
function deletedCounts(population: Population) {
  return [population.expired.length, population.expired.length + population.oldLeftovers.length]
}

/**
 * The pid of a process that has exited
 */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

async function namesIn(location: string) {
  try {
    return new Set(await fs.readdir(location))
  } catch (error) {
    if (error.code === 'ENOENT') {
      return new Set<string>()
    }
    throw error
  }
}

async function countPresent(location: string, ids: string[]) {
  const names = await namesIn(location)
  return ids.filter((id) => names.has(`${id}.txt`)).length
}

/**
 * The expired sessions are gone, the live ones stay
 */
async function assertSwept(assert: any, location: string, population: Population) {
  const names = await namesIn(location)
  assert.equal(population.expired.filter((id) => names.has(`${id}.txt`)).length, 0)
  assert.equal(population.live.filter((id) => names.has(`${id}.txt`)).length, LIVE)
}

/**
 * Leftovers of interrupted writes older than an hour are gone, recent ones
 * stay
 */
async function assertLeftoversSwept(assert: any, location: string, population: Population) {
  const names = await namesIn(location)
  assert.deepEqual(
    population.oldLeftovers.filter((name) => names.has(name)),
    [],
    'leftovers older than an hour are removed'
  )
  assert.deepEqual(
    population.newLeftovers.filter((name) => names.has(name)),
    population.newLeftovers,
    'recent leftovers stay'
  )
}

/**
 * Normal session traffic on 4 clients: 48 requests, all must succeed and
 * every increment must count
 */
function traffic(url: string) {
  const clients = [1, 2, 3, 4].map(() => new Browser(url))
  return {
    clients,
    async warmUp() {
      await Promise.all(clients.map((client) => client.get('/increment/hits')))
    },
    fire() {
      return Promise.all(
        Array.from({ length: 48 }, (_, index) => {
          const client = clients[index % 4]
          return index % 3 === 0 ? client.get('/all') : client.get('/increment/hits')
        })
      )
    },
  }
}

test.group('file driver: expired sessions are swept', (group) => {
  let location: string
  let app: TestApp | null

  group.each.setup(() => {
    location = tmpPath('gc-sessions')
    app = null
    return async () => {
      await app?.close()
      await remove(location)
    }
  })

  test('gcProbability 1: a request starts a sweep of 10,000 expired files in the background', async ({
    assert,
  }) => {
    const population = await populate(location)
    app = await fileApp(location, 1)
    const load = traffic(app.url)

    /**
     * The first request schedules the sweep; the traffic runs while the
     * sweep is still in progress
     */
    await load.warmUp()
    const responses = await load.fire()
    const stillExpired = await countPresent(location, population.expired)

    assert.deepEqual(failures(responses), [])
    assert.isAbove(stillExpired, 0, 'the requests were answered while the sweep was running')
    assert.isBelow(stillExpired, EXPIRED, 'a sweep started')

    await app.manager.sweeper()!.sweep()
    await assertSwept(assert, location, population)

    for (const client of load.clients) {
      const hits = (await client.get('/get/hits')).json.value
      assert.equal(hits, 1 + 32 / 4)
    }
    await assertLeftoversSwept(assert, location, population)
  }).timeout(60000)

  test('background sweeps start at most once a minute, the command sweeps any time', async ({
    assert,
  }) => {
    await fs.mkdir(location, { recursive: true })
    const first = await writeSessions(location, 50, new Date(Date.now() - 3 * HOUR))
    app = await fileApp(location, 1)
    const load = traffic(app.url)
    await load.warmUp()
    const sweeper = app.manager.sweeper()!
    await sweeper.sweep()
    assert.equal(await countPresent(location, first), 0)

    const second = await writeSessions(location, 50, new Date(Date.now() - 3 * HOUR))
    await load.fire()
    await (sweeper as any).running
    assert.equal(await countPresent(location, second), 50)

    assert.equal(await sweeper.sweep(), 50)
    assert.equal(await countPresent(location, second), 0)
  }).timeout(30000)

  test("a dead process's holder file, its lock and a new content it never renamed are swept; a live one's stay", async ({
    assert,
  }) => {
    await fs.mkdir(location, { recursive: true })
    app = await fileApp(location, 0)
    const browser = new Browser(app.url)
    await browser.get('/increment/hits')
    const ownHolder = (await fs.readdir(location)).find((name) => name.endsWith(HOLDER_SUFFIX))
    assert.isString(ownHolder, 'the app holds its locks through a holder file')

    const dead = await exitedPid()
    const line = new LockOwner('w').line.toString('latin1').split(' ')
    line[1] = String(dead)
    const deadHolder = join(location, `.${dead}-0123456789ab${HOLDER_SUFFIX}`)
    await fs.writeFile(deadHolder, line.join(' '))
    const id = generateSessionId()
    await fs.link(deadHolder, join(location, `${id}.lock`))
    await fs.writeFile(join(location, `${id}${NEXT_SUFFIX}`), '{"message":')
    const indexHolder = join(location, 'tags', `.${dead}-ba9876543210${HOLDER_SUFFIX}`)
    await fs.mkdir(join(location, 'tags'), { recursive: true })
    await fs.writeFile(indexHolder, line.join(' '))
    await fs.link(indexHolder, join(location, 'tags', 'user.lock'))

    await app.manager.sweeper()!.sweep()
    const names = await namesIn(location)
    assert.isFalse(names.has(`${id}.lock`), "the dead holder's lock is removed")
    assert.isFalse(names.has(`${id}${NEXT_SUFFIX}`), 'the content it never renamed too')
    assert.isFalse(names.has(deadHolder.slice(location.length + 1)), 'and its holder file')
    assert.isTrue(names.has(ownHolder!), "the live app's holder file stays")
    assert.deepEqual(await fs.readdir(join(location, 'tags')), [], 'the index folder is swept too')
    assert.equal((await browser.get('/increment/hits')).status, 200)
  })

  test('gcProbability 0: requests never sweep', async ({ assert }) => {
    const population = await populate(location, 50)
    app = await fileApp(location, 0)
    const load = traffic(app.url)
    await load.warmUp()
    await load.fire()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(await countPresent(location, population.expired), 50)
  }).timeout(30000)

  test('sweeper().sweep() deletes 10,000 expired files while requests keep succeeding', async ({
    assert,
  }) => {
    const population = await populate(location)
    app = await fileApp(location, 0)
    const load = traffic(app.url)
    await load.warmUp()

    const sweeping = app.manager.sweeper()!.sweep()
    const responses = await load.fire()
    const stillExpired = await countPresent(location, population.expired)
    const deleted = await sweeping

    assert.deepEqual(failures(responses), [])
    assert.isAbove(stillExpired, 0, 'the requests were answered while the sweep was running')

    await assertSwept(assert, location, population)

    for (const id of population.live) {
      const payload = JSON.parse(await fs.readFile(join(location, `${id}.txt`), 'utf-8'))
      assert.equal(payload.purpose, id)
    }
    for (const client of load.clients) {
      assert.equal((await client.get('/get/hits')).json.value, 1 + 32 / 4)
    }
    assert.equal(await app.manager.sweeper()!.sweep(), 0)

    await assertLeftoversSwept(assert, location, population)
    assert.oneOf(deleted, deletedCounts(population))
  }).timeout(60000)

  test('a sweep of a location that does not exist yet deletes nothing', async ({ assert }) => {
    app = await fileApp(location, 0)
    assert.equal(await app.manager.sweeper()!.sweep(), 0)
  })
})

test.group('ace session:gc', (group) => {
  let location: string
  let app: TestApp | null

  group.each.setup(() => {
    location = tmpPath('gc-command-sessions')
    app = null
    return async () => {
      await app?.close()
      await remove(location)
    }
  })

  const runCommand = runSessionGc

  test('the package registers the command for ace', async ({ assert }) => {
    const instructions = readFileSync(join(__dirname, '..', 'instructions.ts'), 'utf-8')
    assert.include(instructions, `'@adonisjs/session/build/commands'`)
    const { default: commands } = await import('../commands')
    assert.deepEqual(commands, [
      '@adonisjs/session/build/commands/SessionGc',
      '@adonisjs/session/build/commands/MakeSessionTable',
    ])
    assert.equal(SessionGc.commandName, 'session:gc')
    assert.deepEqual(SessionGc.settings, { loadApp: true })
  })

  test('deletes expired session files and says how many', async ({ assert }) => {
    const population = await populate(location, 500)
    app = await fileApp(location, 0)
    const { command, logs } = await runCommand(app)

    assert.isUndefined(command.error)
    assert.lengthOf(logs, 1)
    const match = logs[0].match(/^success: Deleted (\d+) expired session file\(s\)$/)
    assert.isNotNull(match, logs[0])
    await assertSwept(assert, location, population)

    const again = await runCommand(app)
    assert.deepEqual(again.logs, ['success: Deleted 0 expired session file(s)'])

    await assertLeftoversSwept(assert, location, population)
    assert.oneOf(Number(match![1]), deletedCounts(population))
  }).timeout(30000)

  test('with another driver it says there is nothing to sweep', async ({ assert }) => {
    app = await setupApp({ ...base, driver: 'memory' })
    const { command, logs } = await runCommand(app)
    assert.isUndefined(command.error)
    assert.deepEqual(logs, [
      'info: Nothing to sweep: the "memory" driver expires sessions by itself',
    ])
  })
})

test.group('a request that stores nothing leaves no record', () => {
  test('file driver: no file', async ({ assert, cleanup }) => {
    const location = tmpPath('untouched-sessions')
    const app = await fileApp(location, 0)
    cleanup(async () => {
      await app.close()
      await remove(location)
    })

    const responses = await Promise.all([
      new Browser(app.url).get('/noop'),
      new Browser(app.url).get('/all'),
      new Browser(app.url).get('/get/user'),
      new Browser(app.url).get('/flash-messages'),
    ])
    assert.deepEqual(
      responses.map((response) => response.status),
      [200, 200, 200, 200]
    )

    /**
     * Same for a known-shaped id that has no record: reading it creates none
     */
    const browser = new Browser(app.url)
    const id = (await browser.get('/all')).json.id
    assert.deepEqual((await browser.get('/all')).json, { id, fresh: false, values: {} })
    assert.deepEqual([...(await namesIn(location))], [])
  })

  test('redis driver: no key', async ({ assert, cleanup }) => {
    const app = await setupApp(
      { ...base, driver: 'redis', redisConnection: 'local' },
      { providers: ['@adonisjs/redis'], redis: redisConnections }
    )
    defineSessionRoutes(app.Route)
    await app.listen()
    const redis = redisClient()
    cleanup(async () => {
      await redis.quit()
      await app.close()
    })

    const ids: string[] = []
    for (const path of ['/noop', '/all', '/get/user', '/flash-messages']) {
      const browser = new Browser(app.url)
      assert.equal((await browser.get(path)).status, 200)
      const response = await browser.get('/all')
      assert.isFalse(response.json.fresh)
      ids.push(response.json.id)
    }
    assert.equal(await redis.exists(...ids), 0)
  })
})
