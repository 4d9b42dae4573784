/*
 * @adonisjs/session
 *
 * One contract suite for every driver: the same cases, through real HTTP
 * round trips, against memory, file, redis, cookie and an extended driver.
 */

import { test } from '@japa/runner'
import { TestApp } from './app'
import { Browser, errorMessage, failures } from './browser'
import { defineSessionRoutes } from './routes'
import { recordDriverCalls, DriverCall } from './recording'

export type DriverHarness = {
  /**
   * Boot an app using the driver
   */
  setup(): Promise<TestApp>
  /**
   * The values stored for a session id, as the store holds them, or null
   */
  peek(app: TestApp, sessionId: string, browser: Browser): Promise<Record<string, any> | null>
  /**
   * Make a stored session older than `age` (no sleeping)
   */
  expire?(app: TestApp, sessionId: string): Promise<void>
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

    group.each.setup(async () => {
      app = await harness.setup()
      defineSessionRoutes(app.Route)
      browser = new Browser(await app.listen())
      return () => app.close()
    })

    group.teardown(async () => {
      await harness.teardown?.()
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
}
