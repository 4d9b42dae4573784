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

  test('lists the values in a table and masks secrets', async ({ client, assert }) => {
    const response = await client
      .get('/session')
      .session({ 'cart': 7, 'user': { name: 'Demo User' }, 'csrf-secret': 'abcdefghijkl' })

    response.assertStatus(200)
    response.assertTextIncludes('<th scope="row"><code>user.name</code></th>')
    response.assertTextIncludes('<td><code>Demo User</code></td>')
    response.assertTextIncludes('<td class="masked">hidden (12 characters)</td>')
    assert.notInclude(response.text(), 'abcdefghijkl')
  })
})

test.group('Session panel', () => {
  test('shows what the session read for this request', async ({ client, assert }) => {
    const response = await client.get('/cart').session({ cart: 2 })

    response.assertTextIncludes('<h2>Session · memory driver</h2>')
    assert.match(response.text(), /<dd>1 read, \d+ bytes of JSON, 1 key<\/dd>/)
    response.assertTextIncludes('<dd>no messages waiting</dd>')
  })

  test('says when the store held nothing for the session', async ({ client }) => {
    const response = await client.get('/cart')

    response.assertTextIncludes('<dd>1 read, nothing stored</dd>')
    response.assertTextIncludes('None on this session yet')
  })

  test('tells a consumed flash message from one a prefetch keeps', async ({ client }) => {
    const shown = await client.get('/cart').flashMessages({ info: 'Cart emptied' })
    shown.assertTextIncludes('<dd>previous messages shown, removed at commit</dd>')

    const prefetched = await client
      .get('/cart')
      .header('sec-purpose', 'prefetch')
      .flashMessages({ info: 'Cart emptied' })
    prefetched.assertTextIncludes('<dd>previous messages shown, kept for the next page</dd>')
    prefetched.assertFlashMessage('info', 'Cart emptied')
  })
})
