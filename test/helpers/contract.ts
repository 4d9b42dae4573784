/*
 * @adonisjs/session
 *
 * One contract suite for every driver: the same cases, through real HTTP
 * round trips, against memory, file, redis, cookie and an extended driver.
 */

import { test } from '@japa/runner'
import { SessionDriverContract } from '@ioc:Adonis/Addons/Session'
import { TestApp } from './app'
import { Browser, errorMessage, failures, startSession } from './browser'
import { defineSessionRoutes } from './routes'
import { recordDriverCalls, DriverCall } from './recording'
import { assertReadsEmpty } from './logs'
import { generateSessionId } from '../../src/SessionId'

export type DriverHarness = {
  /**
   * Boot an app using the driver; a harness with store hooks captures the
   * app's warnings into `logs` (see captureLogs)
   */
  setup(logs: any[]): Promise<TestApp>
  /**
   * The values stored for a session id, as the store holds them, or null
   */
  peek(app: TestApp, sessionId: string, browser: Browser): Promise<Record<string, any> | null>
  /**
   * Make a stored session older than `age` (no sleeping)
   */
  expire?(app: TestApp, sessionId: string): Promise<void>
  /**
   * Store level: make `text` the stored payload of a session
   */
  writeRaw?(app: TestApp, sessionId: string, text: string): Promise<void>
  /**
   * Store level: store a copy of one session's payload under another id
   */
  copyStored?(app: TestApp, fromId: string, toId: string): Promise<void>
  /**
   * A driver instance outside any request, for the `update` contract; only
   * for a driver whose `update` works without an HTTP context
   */
  driver?(app: TestApp): SessionDriverContract
  /**
   * True when concurrent requests must keep each other's changes
   */
  merges: boolean
  /**
   * True when a session that a request emptied is stored as `{}` (the
   * cookie driver, as 6.4) instead of being deleted
   */
  keepsEmptied?: boolean
  /**
   * Release what the harness opened
   */
  teardown?(): Promise<void>
}

const AGE_SECONDS = 7200

const JSON_ACCEPT = { accept: 'application/json' }

/**
 * Calls of every session method that takes a key, each with a key that has
 * a prototype segment, and the segment the error names
 */
const HOSTILE_CALLS: [string, any[], string][] = [
  ['get', ['__proto__'], '__proto__'],
  ['has', ['constructor'], 'constructor'],
  ['put', ['__proto__.polluted', 1], '__proto__'],
  ['put', ['a.constructor.prototype.polluted', 1], 'constructor'],
  ['forget', ['user.__proto__'], '__proto__'],
  ['pull', ['prototype'], 'prototype'],
  ['increment', ['constructor.polluted'], 'constructor'],
  ['decrement', ['__proto__.polluted'], '__proto__'],
  ['flash', ['__proto__.polluted', 1], '__proto__'],
  ['flashOnly', [['title', 'constructor.prototype']], 'constructor'],
  ['flashExcept', [['__proto__']], '__proto__'],
  ['reflashOnly', [['cart.prototype']], 'prototype'],
  ['reflashExcept', [['__proto__.polluted']], '__proto__'],
  ['flashMessages.get', ['__proto__.polluted'], '__proto__'],
  ['flashMessages.has', ['constructor'], 'constructor'],
]

/**
 * Run the contract against one driver
 */
export function driverContract(driver: string, harness: DriverHarness) {
  test.group(`driver contract: ${driver}`, (group) => {
    let app: TestApp
    let browser: Browser
    let logs: any[]

    group.each.setup(async () => {
      logs = []
      app = await harness.setup(logs)
      defineSessionRoutes(app.Route)
      browser = new Browser(await app.listen())
      return () => app.close()
    })

    // with an update contract to follow, its group releases the harness
    group.teardown(async () => {
      if (!harness.driver) {
        await harness.teardown?.()
      }
    })

    async function currentId() {
      const response = await browser.get('/all')
      return response.json.id as string
    }

    test('a first request gets a signed id cookie and stores nothing', async ({ assert }) => {
      const response = await browser.get('/all')
      const idCookie = response.setCookies.find((cookie) => cookie.name === 'adonis-session')!
      assert.match(idCookie.value, /^s:/)
      assert.equal(idCookie.attributes['max-age'], String(AGE_SECONDS))
      assert.isTrue(response.json.fresh)
      assert.match(response.json.id, /^[A-Za-z0-9_-]{32}$/)
      assert.isNull(await harness.peek(app, response.json.id, browser))
    })

    test('values put in one request are read by the next', async ({ assert }) => {
      await browser.post('/put', { cart: { total: 10 }, user: 'virk' })
      const response = await browser.get('/all')
      assert.isFalse(response.json.fresh)
      assert.deepEqual(response.json.values, { cart: { total: 10 }, user: 'virk' })
      assert.deepEqual(await harness.peek(app, response.json.id, browser), {
        cart: { total: 10 },
        user: 'virk',
      })
      assert.deepEqual((await browser.get('/get/cart.total')).json, { value: 10 })
      assert.deepEqual((await browser.get('/get/missing')).json, { value: 'default' })
    })

    test('increment, decrement, forget, pull and clear persist', async ({ assert }) => {
      await browser.get('/increment/visits')
      await browser.get('/increment/visits?by=5')
      await browser.get('/decrement/visits')
      assert.deepEqual((await browser.get('/all')).json.values, { visits: 5 })

      await browser.post('/put', { a: 1, b: 2 })
      await browser.get('/forget/a')
      assert.deepEqual((await browser.get('/pull/b')).json, { value: 2, values: { visits: 5 } })
      assert.deepEqual((await browser.get('/all')).json.values, { visits: 5 })

      await browser.get('/clear')
      const id = await currentId()
      assert.deepEqual((await browser.get('/all')).json.values, {})
      const emptied = await harness.peek(app, id, browser)
      harness.keepsEmptied ? assert.deepEqual(emptied, {}) : assert.isNull(emptied)
    })

    test('an object put and then changed in the same request is stored as seen', async ({
      assert,
    }) => {
      const expected = { cart: { items: ['a', 'b'], count: 2 } }
      assert.deepEqual((await browser.get('/nested')).json, expected)
      assert.deepEqual((await browser.get('/all')).json.values, expected)
      assert.deepEqual((await browser.get('/nested')).json, expected)
      assert.deepEqual((await browser.get('/all')).json.values, expected)
    })

    test('flash messages live exactly one request', async ({ assert }) => {
      await browser.post('/flash', { errors: { title: 'Title is required' }, zero: 0, no: false })
      const next = await browser.get('/flash-messages')
      assert.deepEqual(next.json, {
        all: { errors: { title: 'Title is required' }, zero: 0, no: false },
        isEmpty: false,
      })
      const after = await browser.get('/flash-messages')
      assert.deepEqual(after.json, { all: {}, isEmpty: true })
    })

    test('a key with a prototype segment answers 400 E_UNSAFE_SESSION_KEY, the session intact', async ({
      assert,
    }) => {
      const HttpExceptionHandler = app.app.container.use('Adonis/Core/HttpExceptionHandler')
      const handler = new (class ExceptionHandler extends HttpExceptionHandler {})(app.app.logger)
      app.app.container
        .use('Adonis/Core/Server')
        .errorHandler((error, ctx) => handler.handle(error, ctx))

      await browser.post('/put', { user: 'virk', cart: { total: 3 } })
      const id = await currentId()
      const stored = await harness.peek(app, id, browser)
      for (const [method, args, segment] of HOSTILE_CALLS) {
        const response = await browser.post('/call', { method, args }, JSON_ACCEPT)
        assert.equal(response.status, 400, `${method}: ${response.text}`)
        assert.equal(
          errorMessage(response),
          `E_UNSAFE_SESSION_KEY: Session keys cannot have a "${segment}" segment: "__proto__", "constructor" and "prototype" are refused in key paths`
        )
      }
      assert.isUndefined(({} as any).polluted)
      assert.deepEqual(await harness.peek(app, id, browser), stored)

      const after = await browser.post('/put', { next: 1 })
      assert.equal(after.status, 200)
      const all = await browser.get('/all')
      assert.deepEqual(all.json, {
        id,
        fresh: false,
        values: { user: 'virk', cart: { total: 3 }, next: 1 },
      })
    })

    test('regenerate moves the data to a new id and destroys the old record', async ({
      assert,
    }) => {
      await browser.post('/put', { user: 'virk' })
      const oldId = await currentId()
      const regenerated = await browser.get('/regenerate')
      assert.notEqual(regenerated.json.id, oldId)
      assert.isTrue(regenerated.json.fresh)

      const after = await browser.get('/all')
      assert.equal(after.json.id, regenerated.json.id)
      assert.deepEqual(after.json.values, { user: 'virk' })
      assert.isNull(await harness.peek(app, oldId, browser))

      assert.deepEqual(await harness.peek(app, after.json.id, browser), { user: 'virk' })
    })

    test('a request that changes nothing writes nothing and re-sends the id cookie', async ({
      assert,
    }) => {
      await browser.post('/put', { user: 'virk' })
      const before = await harness.peek(app, await currentId(), browser)
      const calls: DriverCall[] = []
      recordDriverCalls(app.manager, calls)
      const response = await browser.get('/get/user')
      assert.deepEqual(response.json, { value: 'virk' })
      assert.isTrue(
        calls.some((call) => call.method === 'read'),
        "the recorder sees the request's driver"
      )
      assert.deepEqual(
        calls.filter((call) => call.method === 'write' || call.method === 'update'),
        []
      )
      const names = response.setCookies.map((cookie) => cookie.name)
      assert.deepEqual(names, ['adonis-session'])
      assert.deepEqual(await harness.peek(app, await currentId(), browser), before)
    })

    if (harness.expire) {
      test('a session older than age reads as empty, even with its old cookies', async ({
        assert,
      }) => {
        await browser.post('/put', { user: 'virk' })
        const id = await currentId()
        await harness.expire!(app, id)
        const response = await browser.get('/all')
        assert.equal(response.json.id, id)
        assert.deepEqual(response.json.values, {})
      })
    }

    if (harness.writeRaw) {
      test('a stored payload that is not JSON reads as empty, with a warning, until rewritten', async ({
        assert,
      }) => {
        const { browser: visitor, id } = await startSession(app.url, { user: 'virk' })
        await harness.writeRaw!(app, id, '{"message": {"user": "vi')
        await assertReadsEmpty(assert, logs, visitor, id, ['payload is not valid JSON'])
        await visitor.post('/put', { fixed: true })
        assert.deepEqual((await visitor.get('/all')).json.values, { fixed: true })
        assert.deepEqual(await harness.peek(app, id, visitor), { fixed: true })
      })
    }

    if (harness.copyStored) {
      test("a copy of session A's payload under B's id does not expose A's data", async ({
        assert,
      }) => {
        const a = await startSession(app.url, { secret: 'A' })
        const b = await startSession(app.url, { user: 'B' })
        await harness.copyStored!(app, a.id, b.id)
        await assertReadsEmpty(assert, logs, b.browser, b.id, [
          'payload belongs to another session id',
        ])
        assert.deepEqual((await a.browser.get('/all')).json.values, { secret: 'A' })
      })
    }

    if (harness.merges) {
      test('200 concurrent increments from 4 clients all count', async ({ assert }) => {
        await browser.get('/increment/hits')
        const clients = [1, 2, 3, 4].map(() => browser.clone())
        const responses = await Promise.all(
          clients.flatMap((client) =>
            Array.from({ length: 50 }, () => client.get('/increment/hits'))
          )
        )
        assert.deepEqual(failures(responses), [])
        const after = await browser.get('/get/hits')
        assert.equal(after.json.value, 201)
      }).timeout(60000)

      test('100 concurrent puts of distinct keys all survive', async ({ assert }) => {
        await browser.get('/increment/base')
        const clients = [1, 2, 3, 4].map(() => browser.clone())
        await Promise.all(
          Array.from({ length: 100 }, (_, index) =>
            clients[index % 4].post('/put', { [`key${index}`]: index })
          )
        )
        const values = (await browser.get('/all')).json.values
        assert.lengthOf(Object.keys(values), 101)
        assert.equal(values.key57, 57)
      }).timeout(60000)

      test('flash messages of concurrent requests are all delivered', async ({ assert }) => {
        await browser.get('/increment/base')
        const clients = [1, 2, 3, 4].map(() => browser.clone())
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            clients[index % 4].get(`/flash/message${index}/${index}`)
          )
        )
        const delivered = responses.flatMap((response) => Object.keys(response.json.received))
        delivered.push(...Object.keys((await browser.get('/flash-messages')).json.all))
        assert.sameMembers(
          [...new Set(delivered)],
          Array.from({ length: 20 }, (_, index) => `message${index}`)
        )
        assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
      }).timeout(60000)

      test('a forget is not undone by a concurrent neighbour', async ({ assert }) => {
        await browser.post('/put', { doomed: 'yes', other: 0 })
        const clients = [1, 2, 3, 4].map(() => browser.clone())
        await Promise.all([
          clients[0].get('/forget/doomed'),
          ...Array.from({ length: 20 }, (_, index) =>
            clients[1 + (index % 3)].get('/increment/other')
          ),
        ])
        const values = (await browser.get('/all')).json.values
        assert.deepEqual(values, { other: 20 })
      }).timeout(60000)
    }
  })

  if (harness.driver) {
    updateContract(driver, harness)
  }
}

/**
 * What `update` promises, on driver instances outside any request: the
 * updater gets the stored values (null for none), its result is stored,
 * null deletes, a throwing updater stores nothing, and concurrent updates
 * all land
 */
function updateContract(driver: string, harness: DriverHarness) {
  test.group(`update contract: ${driver}`, (group) => {
    let app: TestApp

    group.each.setup(async () => {
      app = await harness.setup([])
      return () => app.close()
    })

    group.teardown(async () => {
      await harness.teardown?.()
    })

    const instance = () => harness.driver!(app)

    test('an update of a missing session gets null and stores its result', async ({ assert }) => {
      const id = generateSessionId()
      const seen: unknown[] = []
      await instance().update!(id, (current) => {
        seen.push(current)
        return { created: true }
      })
      assert.deepEqual(seen, [null])
      assert.deepEqual(await instance().read(id), { created: true })
    })

    test('an update gets the stored values and its result is read back', async ({ assert }) => {
      const id = generateSessionId()
      await instance().write(id, { a: 1, nested: { b: 2 } })
      /**
       * An updater may run more than once (a driver that did not read the
       * session first may try it on null), so it must accept any copy
       */
      await instance().update!(id, (current) => ({ ...current, a: (current?.a ?? 0) + 1 }))
      assert.deepEqual(await instance().read(id), { a: 2, nested: { b: 2 } })
    })

    test('an update that returns null deletes the session', async ({ assert }) => {
      const id = generateSessionId()
      await instance().write(id, { doomed: true })
      await instance().update!(id, () => null)
      assert.isNull(await instance().read(id))
    })

    test('an updater that throws fails its update and stores nothing', async ({ assert }) => {
      const id = generateSessionId()
      await instance().write(id, { kept: true })
      const failed = await (async () =>
        instance().update!(id, () => {
          throw new Error('refused')
        }))().catch((error) => error)
      assert.equal(failed && failed.message, 'refused')
      assert.deepEqual(await instance().read(id), { kept: true })
    })

    test('50 concurrent updates from separate instances all land', async ({ assert }) => {
      const id = generateSessionId()
      await instance().write(id, { count: 0 })
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          instance().update!(id, (current) => ({
            ...current,
            count: (current?.count || 0) + 1,
            [`key${index}`]: index,
          }))
        )
      )
      const stored = await instance().read(id)
      assert.equal(stored!.count, 50)
      assert.equal(stored!.key49, 49)
    }).timeout(30000)
  })
}
