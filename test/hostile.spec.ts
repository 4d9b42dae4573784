/*
 * @adonisjs/session
 *
 * Hostile input. A tampered, unsigned, truncated or oversized session
 * cookie, or an id of the wrong shape or with path characters, gets a fresh
 * session: no 500, no file outside `file.location`, no driver call with that
 * id. A corrupted or foreign payload in a file or Redis key reads as an
 * empty session with a warning log: never a crash, never another session's
 * data.
 */

import { join, dirname } from 'path'
import { randomBytes } from 'crypto'
import { existsSync, promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { setupApp, tmpPath, TestApp, SESSION_DEFAULTS } from './helpers/app'
import { recording, DriverCall } from './helpers/recording'
import { Browser, startSession } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { assertReadsEmpty, captureLogs, warnings } from './helpers/logs'
import { redisClient, redisConnections } from './helpers/redis'
import { FileDriver } from '../src/Drivers/File'
import { FileWorkerClient } from '../src/Drivers/File/WorkerClient'
import { UpdateBatches } from '../src/Drivers/Shared/batching'
import { isValidSessionId } from '../src/SessionId'
import { HOLDER_SUFFIX } from '../src/Drivers/File/lock'

const base = { ...SESSION_DEFAULTS, gcProbability: 0 }

/**
 * The signed value of an id cookie, made with the app's real keys: it passes
 * the signature check, so only the shape check can refuse it
 */
function sign(app: TestApp, id: string) {
  const encryption = app.app.container.use('Adonis/Core/Encryption')
  return `s:${encryption.verifier.sign(id, undefined, 'adonis-session')}`
}

function cookieHeader(cookies: Record<string, string>) {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('; ')
}

test.group('hostile session cookies: a fresh session, no driver call', (group) => {
  let app: TestApp
  let location: string
  let calls: DriverCall[]
  let marker: string
  let runtime: { worker: FileWorkerClient; batches: UpdateBatches }

  group.each.setup(async () => {
    location = tmpPath('hostile-sessions')
    calls = []
    runtime = { worker: new FileWorkerClient(), batches: new UpdateBatches() }
    marker = `evil-${randomBytes(4).toString('hex')}`
    app = await setupApp(
      { ...base, driver: 'recording', file: { location } },
      {
        beforeBoot(application) {
          application.container
            .use('Adonis/Addons/Session')
            .extend('recording', (manager: any, _: any, ctx: any) => {
              const { ageMs, refreshAfterMs } = manager.config
              const options = { location, ageMs, refreshAfterMs }
              return recording(new FileDriver(options, runtime, ctx.logger), calls)
            })
        },
      }
    )
    defineSessionRoutes(app.Route)
    await app.listen()
    return async () => {
      await app.close()
      await runtime.worker.close()
      await remove(location)
      for (const file of escapeTargets()) {
        await fs.rm(file, { force: true })
      }
    }
  })

  /**
   * Where a path-like id would land if it reached the file system
   */
  function escapeTargets() {
    return [
      join(dirname(location), `${marker}.txt`),
      join(dirname(dirname(location)), `${marker}.txt`),
      join('/tmp', `${marker}.txt`),
    ]
  }

  /**
   * A victim session holding a secret, created through the app
   */
  async function victim() {
    const { browser, id } = await startSession(app.url, { secret: 'victim' })
    const signed = browser.cookies.get('adonis-session')!
    if (sign(app, id) !== signed) {
      throw new Error(
        'sign() no longer makes the id cookie the app sends; the tests below rely on it'
      )
    }
    return { browser, id, signed }
  }

  /**
   * Send a write with the given id cookie value: it must be served by a
   * fresh session, never by the victim's, and no driver call may receive
   * anything but a well-formed id
   */
  async function assertFreshSession(assert: any, idCookie: string, forbidden: string[]) {
    calls.length = 0
    const browser = new Browser(app.url)
    const response = await browser.post(
      '/put',
      { x: 1 },
      { cookie: cookieHeader({ 'adonis-session': idCookie }) }
    )
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json, { x: 1 })

    const all = await browser.get('/all')
    assert.isFalse(all.json.fresh)
    assert.isTrue(isValidSessionId(all.json.id), all.json.id)
    assert.notInclude(forbidden, all.json.id)
    assert.deepEqual(all.json.values, { x: 1 })

    const ids = calls.map((call) => call.id)
    assert.isTrue(
      ids.every((id) => isValidSessionId(id)),
      JSON.stringify(ids)
    )
    for (const id of forbidden) {
      assert.notInclude(ids, id)
    }
    for (const file of escapeTargets()) {
      assert.isFalse(existsSync(file), file)
    }
    const names = (await fs.readdir(location)).filter((name) => !name.endsWith(HOLDER_SUFFIX))
    assert.isTrue(
      names.every((name) => isValidSessionId(name.replace(/\.txt$/, ''))),
      names.join(', ')
    )
  }

  test('a tampered signature', async ({ assert }) => {
    const { id, signed } = await victim()
    const last = signed[signed.length - 1]
    const tampered = signed.slice(0, -1) + (last === 'A' ? 'B' : 'A')
    await assertFreshSession(assert, tampered, [id])
  })

  test('a tampered id under a valid-looking signature', async ({ assert }) => {
    const { id, signed } = await victim()
    const other = (await victim()).signed
    const [, otherSignature] = other.slice(2).split('.')
    const [ownValue] = signed.slice(2).split('.')
    await assertFreshSession(assert, `s:${ownValue}.${otherSignature}`, [id])
  })

  test('an unsigned id of a real session', async ({ assert }) => {
    const { id } = await victim()
    await assertFreshSession(assert, id, [id])
  })

  test('a truncated cookie', async ({ assert }) => {
    const { id, signed } = await victim()
    await assertFreshSession(assert, signed.slice(0, Math.floor(signed.length / 2)), [id])
    await assertFreshSession(assert, 's:', [id])
    await assertFreshSession(assert, '', [id])
  })

  test('an oversized cookie', async ({ assert }) => {
    const { id, signed } = await victim()
    await assertFreshSession(assert, signed + 'A'.repeat(6000), [id])
    await assertFreshSession(assert, `s:${'A'.repeat(7000)}`, [id])
  })

  test('a signed id of the wrong shape', async ({ assert }) => {
    for (const id of [
      'abc',
      'c' + 'a'.repeat(40),
      'A'.repeat(31),
      'A'.repeat(33),
      'x'.repeat(32) + ' ',
    ]) {
      await assertFreshSession(assert, sign(app, id), [id])
    }
  })

  test('a signed id with path characters', async ({ assert }) => {
    const ids = [
      `../${marker}`,
      `../../${marker}`,
      `/tmp/${marker}`,
      `..\\..\\${marker}`,
      `%2e%2e%2f${marker}`,
      `c${'a'.repeat(20)}/../../${marker}`,
      `${'A'.repeat(32)}\u0000`,
    ]
    for (const id of ids) {
      await assertFreshSession(assert, sign(app, id), [id])
    }
  })
})

test.group('hostile data cookies of the cookie driver', (group) => {
  let app: TestApp

  group.each.setup(async () => {
    app = await setupApp({ ...base, driver: 'cookie' })
    defineSessionRoutes(app.Route)
    await app.listen()
    return () => app.close()
  })

  test('a tampered data cookie reads as an empty session', async ({ assert }) => {
    const { browser, id } = await startSession(app.url, { secret: 'mine' })
    const data = browser.cookies.get(id)!
    browser.cookies.set(id, data.slice(0, -3) + (data.endsWith('AAA') ? 'BBB' : 'AAA'))
    const response = await browser.get('/all')
    assert.equal(response.status, 200)
    assert.deepEqual(response.json, { id, fresh: false, values: {} })
  })

  test("another session's data cookie under this session's name is not read", async ({
    assert,
  }) => {
    const { browser: victimBrowser, id: victimId } = await startSession(app.url, {
      secret: 'victim',
    })

    const { browser: attacker, id: attackerId } = await startSession(app.url, { user: 'attacker' })
    attacker.cookies.set(attackerId, victimBrowser.cookies.get(victimId)!)

    const response = await attacker.get('/all')
    assert.equal(response.status, 200)
    assert.deepEqual(response.json, { id: attackerId, fresh: false, values: {} })
  })
})

test.group('corrupted or foreign payloads in the file store', (group) => {
  let app: TestApp
  let location: string
  let logs: any[]

  group.each.setup(async () => {
    location = tmpPath('corrupt-sessions')
    logs = []
    app = await setupApp(
      { ...base, driver: 'file', file: { location } },
      { beforeBoot: (application) => captureLogs(application, logs) }
    )
    defineSessionRoutes(app.Route)
    await app.listen()
    return async () => {
      await app.close()
      await remove(location)
    }
  })

  async function session(values: Record<string, any>) {
    const { browser, id } = await startSession(app.url, values)
    return { browser, id, file: join(location, `${id}.txt`) }
  }

  async function assertEmptyWithWarning(assert: any, browser: Browser, id: string, reason: string) {
    await assertReadsEmpty(assert, logs, browser, id, [`"${id.slice(0, 6)}…"`, reason])
    assert.isFalse(
      warnings(logs).some((line) => line.includes(id)),
      'the whole id is never logged'
    )

    /**
     * The next write replaces the corrupted payload with a good one
     */
    await browser.post('/put', { fixed: true })
    assert.deepEqual((await browser.get('/all')).json.values, { fixed: true })
  }

  test('JSON that is not a session payload', async ({ assert }) => {
    for (const contents of ['null', '[]', '"text"', '{"message":"text","purpose":"x"}']) {
      const { browser, id, file } = await session({ user: 'virk' })
      await fs.writeFile(file, contents.replace('"x"', JSON.stringify(id)))
      await assertEmptyWithWarning(assert, browser, id, 'payload does not hold a session object')
    }
  })

  test('a file changed after it was written fails its check', async ({ assert }) => {
    const { browser, id, file } = await session({ role: 'user' })
    const raw = await fs.readFile(file, 'utf-8')
    assert.include(raw, '"role":"user"')
    await fs.writeFile(file, raw.replace('"role":"user"', '"role":"root"'))
    await assertEmptyWithWarning(assert, browser, id, 'payload failed its integrity check')
  })
})

test.group('corrupted or foreign payloads in the redis store', (group) => {
  let app: TestApp
  let logs: any[]
  const redis = redisClient()
  const keys: string[] = []

  group.each.setup(async () => {
    logs = []
    app = await setupApp(
      { ...base, driver: 'redis', redisConnection: 'local' },
      {
        providers: ['@adonisjs/redis'],
        redis: redisConnections,
        beforeBoot: (application) => captureLogs(application, logs),
      }
    )
    defineSessionRoutes(app.Route)
    await app.listen()
    return async () => {
      await app.close()
      if (keys.length) {
        await redis.del(...keys.splice(0))
      }
    }
  })

  group.teardown(async () => {
    await redis.quit()
  })

  async function session(values: Record<string, any>) {
    const started = await startSession(app.url, values)
    keys.push(started.id)
    return started
  }

  async function assertEmptyWithWarning(assert: any, browser: Browser, id: string, reason: string) {
    await assertReadsEmpty(assert, logs, browser, id, [reason])
  }

  test('a key of the wrong type (a hash) under a session id', async ({ assert }) => {
    const { browser, id } = await session({ user: 'virk' })
    await redis.del(id)
    await redis.hset(id, 'user', 'someone else')
    await redis.expire(id, 60)
    await assertEmptyWithWarning(assert, browser, id, 'does not hold a session payload')
    assert.deepEqual(await redis.hgetall(id), { user: 'someone else' })
  })

  test('a signed id naming a key that is not a session is never read', async ({ assert }) => {
    const foreign = `hostile-${randomBytes(4).toString('hex')}`
    keys.push(foreign)
    await redis.set(
      foreign,
      JSON.stringify({ message: { admin: true }, purpose: foreign }),
      'EX',
      60
    )
    const browser = new Browser(app.url)
    const response = await browser.post(
      '/put',
      { x: 1 },
      { cookie: cookieHeader({ 'adonis-session': sign(app, foreign) }) }
    )
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json, { x: 1 })
    const all = await browser.get('/all')
    keys.push(all.json.id)
    assert.notEqual(all.json.id, foreign)
    assert.deepEqual(JSON.parse((await redis.get(foreign))!).message, { admin: true })
    assert.isAtMost(await redis.ttl(foreign), 60, 'a GETEX would have reset the TTL to age')
  })
})
