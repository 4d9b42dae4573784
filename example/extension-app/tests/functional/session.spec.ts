/**
 * Every session helper of the api-client, on the docs' Session.extend('memory')
 * driver (providers/AppProvider.ts, SESSION_DRIVER=memory in .env.test)
 */

import { test } from '@japa/runner'
import Session from '@ioc:Adonis/Addons/Session'

test.group('session helpers on the docs extension driver', () => {
  test('the session driver is memory, from .env.test', async ({ assert }) => {
    assert.equal(Session.config.driver, 'memory')
  })

  test('request.session() reaches the route', async ({ client }) => {
    const response = await client.get('/cart').session({ cart_total: 10 })

    response.assertStatus(200)
    response.assertBodyContains({ cart_total: 10 })
  })

  test('request.flashMessages() reaches the route as the previous request flashed', async ({
    client,
  }) => {
    const response = await client.get('/notice').flashMessages({ notice: 'hi' })

    response.assertBodyContains({ notice: 'hi' })
    response.assertFlashMissing('notice')
  })

  test('response.session() and assertSession read what the route stored', async ({
    client,
    assert,
  }) => {
    const response = await client.post('/cart').json({ quantity: 2 }).session({ cart_total: 10 })

    response.assertBodyContains({ cart_total: 12 })
    assert.deepEqual(response.session(), { cart_total: 12 })
    response.assertSession('cart_total', 12)
    response.assertSession('cart_total')
    response.assertSessionMissing('last_order')
  })

  test('response.flashMessages() and assertFlashMessage read what the route flashed', async ({
    client,
    assert,
  }) => {
    const response = await client.post('/checkout').session({ cart_total: 3 }).redirects(0)

    response.assertStatus(302)
    assert.deepEqual(response.flashMessages(), { success: 'Order placed' })
    response.assertFlashMessage('success', 'Order placed')
    response.assertFlashMissing('errors')
    response.assertSession('last_order', { items: 3 })
    response.assertSessionMissing('cart_total')
  })

  test('a route that flashes errors', async ({ client, assert }) => {
    const response = await client.post('/checkout').redirects(0)

    response.assertFlashMessage('errors', { cart: 'Your cart is empty' })
    response.assertFlashMissing('success')
    assert.deepEqual(response.session(), {})
  })

  test('assertions fail when the session does not match', async ({ client, assert }) => {
    const response = await client.post('/cart').session({ cart_total: 1 })

    assert.throws(() => response.assertSession('cart_total', 1))
    assert.throws(() => response.assertSessionMissing('cart_total'))
    assert.throws(() => response.assertFlashMessage('notice', 'hi'))
    assert.throws(() => response.assertFlashMissing('notice'))
  })

  test('dumpSession() prints the session and the flash messages', async ({ client, assert }) => {
    const response = await client.post('/cart').session({ cart_total: 4 })
    const lines: string[] = []
    const log = console.log
    console.log = (line: string) => lines.push(line)
    try {
      assert.strictEqual(response.dumpSession({ colors: false }), response)
    } finally {
      console.log = log
    }

    assert.deepEqual(lines, [
      `"session"        => { cart_total: 5 }`,
      `"flashMessages"  => { notice: 'Added to your cart' }`,
    ])
  })
})
