import { test } from '@japa/runner'

test.group('Session page', () => {
  test('shows the session id, the driver and the values', async ({ client, assert }) => {
    const response = await client.get('/session.json').session({ cart: 7 })

    response.assertStatus(200)
    const body = response.body()
    assert.equal(body.driver, 'memory')
    assert.equal(body.sessionId, response.cookie('adonis-session')!.value)
    assert.isFalse(body.fresh)
    assert.equal(body.values.cart, 7)
  })

  test('sends the session id in the session cookie', async ({ client, assert }) => {
    const response = await client.get('/session.json')

    const sessionCookie = response.cookie('adonis-session')
    assert.exists(sessionCookie)
    assert.equal(response.body().sessionId, sessionCookie!.value)
  })

  test('renders the session page', async ({ client }) => {
    const response = await client.get('/session')

    response.assertStatus(200)
    response.assertTextIncludes('<code id="session-driver">memory</code>')
  })
})
