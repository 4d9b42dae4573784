/*
 * @adonisjs/session
 *
 * Faults between the app and Redis: a reply lost after Redis ran the
 * write, a slow reconnect, commands held back by a delaying proxy, an
 * event loop blocked while the reply is already in the socket. A write
 * applies at most once, and a request that answers 503 leaves nothing
 * that lands later. Each test runs its own redis-server on a free port of
 * 127.0.0.1, with a proxy (test/helpers/redis_proxy.ts) in front of it.
 */

import { test } from '@japa/runner'
import Redis from 'ioredis'
import { TestApp, REDIS_DB } from './helpers/app'
import { redisAppOn } from './helpers/redis'
import { Browser, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { RedisServer, bounded, freePort } from './helpers/redis_server'
import { RedisProxy } from './helpers/redis_proxy'

const JSON_HEADERS = { accept: 'application/json' }
const STORE_TIMEOUT_MS = 1500

function writeUnknown(port: number) {
  return `E_SESSION_STORE_UNAVAILABLE: Session store (redis driver) is unavailable: Redis at 127.0.0.1:${port} (connection "local") did not answer the session write within storeTimeout (${STORE_TIMEOUT_MS}ms): the write may have been applied, and will not be applied later. Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file`
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

test.group('redis driver: faults between the app and Redis', (group) => {
  let server: RedisServer
  let proxy: RedisProxy
  let app: TestApp
  let browser: Browser
  let direct: Redis

  group.setup(async () => {
    server = new RedisServer(await freePort())
    await server.start()
    return () => server.stop('SIGKILL')
  })

  group.each.setup(async () => {
    proxy = new RedisProxy(server.port)
    await proxy.start()
    direct = new Redis({ host: '127.0.0.1', port: server.port, db: REDIS_DB })
    direct.on('error', () => {})
    await direct.flushdb()
    return async () => {
      direct.disconnect()
      if (app) {
        await bounded(app.close(), 5000, 'closing the app').catch(() => {})
      }
      await proxy.stop()
    }
  })

  /**
   * An app whose Redis connection goes through the proxy, or straight to
   * the server
   */
  async function startApp(port: number) {
    app = await redisAppOn(port, { storeTimeout: STORE_TIMEOUT_MS })
    defineSessionRoutes(app.Route)
    browser = new Browser(await app.listen())
  }

  function appConnection() {
    return app.app.container.use('Adonis/Addons/Redis').connection('local').ioConnection
  }

  async function storedValues(id: string) {
    const raw = await direct.get(id)
    return raw ? JSON.parse(raw).message : null
  }

  /**
   * A session holding `{ cart: 1 }`; resolves with its id
   */
  async function cartOfOne() {
    await browser.get('/increment/cart', JSON_HEADERS)
    return (await browser.get('/all', JSON_HEADERS)).json.id as string
  }

  test('a write whose reply is lost and resent on reconnect applies once', async ({ assert }) => {
    await startApp(proxy.port)
    const id = await cartOfOne()
    proxy.add({ command: 'evalsha', times: 1, dropReplyAndReset: true })
    const sentBefore = proxy.commands.length

    const response = await browser.get('/increment/cart', JSON_HEADERS)
    assert.equal(response.status, 200, response.text)
    assert.deepEqual(response.json, { cart: 2 })
    assert.deepEqual(await storedValues(id), { cart: 2 })
    const scripts = proxy.commands.slice(sentBefore).filter((name) => name.startsWith('eval'))
    assert.lengthOf(scripts, 2)
  }).timeout(20000)

  test('a payload keeps the tokens of its last 4 writes, newest first', async ({ assert }) => {
    await startApp(server.port)
    const id = await cartOfOne()
    const tokensAfter: string[][] = []
    for (let write = 2; write <= 6; write++) {
      await browser.get('/increment/cart', JSON_HEADERS)
      const stored = JSON.parse((await direct.get(id))!)
      assert.deepEqual(stored.message, { cart: write })
      tokensAfter.push(stored.writes)
    }
    const [, , , fifth, sixth] = tokensAfter
    assert.lengthOf(sixth, 4)
    assert.lengthOf(new Set(sixth), 4)
    assert.deepEqual(sixth.slice(1), fifth.slice(0, 3))
    assert.deepEqual(
      tokensAfter.map((tokens) => tokens.length),
      [2, 3, 4, 4, 4]
    )
  }).timeout(20000)

  test('a write whose reply is lost and whose reconnect is slow says it may have been applied', async ({
    assert,
  }) => {
    await startApp(proxy.port)
    const id = await cartOfOne()
    proxy.add({
      command: 'evalsha',
      times: 1,
      dropReplyAndReset: true,
      refuseConnectionsMs: STORE_TIMEOUT_MS + 500,
    })

    const response = await browser.get('/increment/cart', JSON_HEADERS)
    assert.equal(response.status, 503, response.text)
    assert.equal(errorMessage(response), writeUnknown(proxy.port))

    /**
     * Redis ran the write before the reply was lost; once the connection
     * is back, ioredis resends it and the script recognises its token
     */
    const io = appConnection()
    await bounded(
      (async () => {
        while (io.status !== 'ready' || io.commandQueue.length) {
          await sleep(50)
        }
      })(),
      10000,
      'reconnecting and resending'
    )
    await sleep(200)
    assert.deepEqual(await storedValues(id), { cart: 2 })
    assert.deepEqual((await browser.get('/all', JSON_HEADERS)).json.values, { cart: 2 })
  }).timeout(20000)

  test('a clock read over a slow round trip cannot let a write land after its 503', async ({
    assert,
  }) => {
    await startApp(proxy.port)
    proxy.add({ command: 'time', times: 1, delayRequestMs: 1400 })
    proxy.add({ command: 'evalsha', times: 1, delayRequestMs: 1600 })
    proxy.add({ command: 'eval', times: 1, delayRequestMs: 1600 })

    const response = await browser.get('/increment/cart', JSON_HEADERS)
    await sleep(2500)
    const keys = await direct.keys('*')
    if (response.status === 200) {
      assert.deepEqual(response.json, { cart: 1 })
      assert.lengthOf(keys, 1)
      assert.deepEqual(await storedValues(keys[0]), { cart: 1 })
    } else {
      assert.equal(response.status, 503, response.text)
      assert.deepEqual(keys, [])
    }
  }).timeout(20000)

  test('an event loop blocked past the deadline still reads the reply already received', async ({
    assert,
  }) => {
    await startApp(server.port)
    const id = await cartOfOne()
    const io = appConnection()
    const sendCommand = io.sendCommand
    let armed = true
    io.sendCommand = function blockAfterTheScript(command: any, stream?: any) {
      const result = sendCommand.call(io, command, stream)
      if (armed && String(command.name).startsWith('eval')) {
        armed = false
        const until = Date.now() + STORE_TIMEOUT_MS + 200
        while (Date.now() < until) {}
      }
      return result
    }

    try {
      const response = await browser.get('/increment/cart', JSON_HEADERS)
      assert.isFalse(armed)
      assert.equal(response.status, 200, response.text)
      assert.deepEqual(await storedValues(id), { cart: 2 })
    } finally {
      io.sendCommand = sendCommand
    }
  }).timeout(20000)
})
