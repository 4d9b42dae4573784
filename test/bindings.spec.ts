/*
 * @adonisjs/session
 *
 * The Japa api-client helpers, used as an app's tests use them, against
 * every driver
 */

import { test } from '@japa/runner'
import { Assert } from '@japa/assert'
import { ApiClient } from '@japa/api-client'
import { setupApp, TestApp, tmpPath, SESSION_DEFAULTS } from './helpers/app'
import { redisConnections } from './helpers/redis'

const base = SESSION_DEFAULTS

const drivers: Record<string, [Record<string, any>, Record<string, any>]> = {
  memory: [{ driver: 'memory' }, {}],
  cookie: [{ driver: 'cookie' }, {}],
  file: [{ driver: 'file', file: { location: tmpPath('sessions') } }, {}],
  redis: [
    { driver: 'redis', redisConnection: 'local' },
    { providers: ['@adonisjs/redis'], redis: redisConnections },
  ],
}

for (const [name, [config, options]] of Object.entries(drivers)) {
  test.group(`japa api-client helpers: ${name} driver`, (group) => {
    let app: TestApp
    let client: ApiClient

    group.each.setup(async () => {
      ApiClient.clearRequestHandlers()
      app = await setupApp(
        { ...base, ...config },
        {
          ...options,
          environment: 'test',
          providers: [...(options.providers || []), '@japa/preset-adonis/TestsProvider'],
        }
      )
      app.Route.post('/cart', ({ session }) => {
        session.increment('cart')
        return session.all()
      })
      app.Route.post('/checkout', ({ session }) => {
        session.forget('cart')
        session.flash('success', 'Order placed')
        return 'ok'
      })
      app.Route.get('/notice', ({ session }) => session.flashMessages.get('notice', 'none'))
      client = new ApiClient(await app.listen(), new Assert())
      return () => app.close()
    })

    test('request.session sends values and response.assertSession reads them back', async ({
      assert,
    }) => {
      const response = await client.post('/cart').session({ cart: 2, user: { id: 1 } })
      assert.deepEqual(response.body(), { cart: 3, user: { id: 1 } })
      response.assertSession('cart', 3)
      response.assertSession('user', { id: 1 })
      response.assertSessionMissing('coupon')
      assert.deepEqual(response.session(), { cart: 3, user: { id: 1 } })
    })

    test('flash messages go both ways', async ({ assert }) => {
      const sent = await client.get('/notice').flashMessages({ notice: 'Welcome' })
      assert.equal(sent.text(), 'Welcome')
      sent.assertFlashMissing('notice')

      const set = await client.post('/checkout').session({ cart: 3 })
      set.assertFlashMessage('success', 'Order placed')
      set.assertSessionMissing('cart')
      assert.deepEqual(set.flashMessages(), { success: 'Order placed' })
    })

    test('failing assertions fail', async ({ assert }) => {
      const response = await client.post('/cart').session({ cart: 1 })
      assert.throws(() => response.assertSession('cart', 5))
      assert.throws(() => response.assertSessionMissing('cart'))
      assert.throws(() => response.assertFlashMessage('success'))
    })

    test('prototype keys in helper values do not pollute Object.prototype', async ({ assert }) => {
      const hostile = JSON.parse('{"__proto__": {"polluted": true}, "cart": 1}')
      const response = await client.post('/cart').session(hostile).flashMessages(hostile)
      response.assertSession('cart', 2)
      assert.isUndefined(({} as any).polluted)
    })
  })
}
