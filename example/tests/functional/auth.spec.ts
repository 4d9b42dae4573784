import { test } from '@japa/runner'

test.group('Sign in and sign out', () => {
  test('signs the demo user in on a new session id', async ({ client, assert }) => {
    const response = await client
      .post('/login')
      .form({ email: 'demo@example.com', password: 'secret' })
      .session({ cart: 2 })
      .withCsrfToken()
      .redirects(0)

    response.assertStatus(302)
    response.assertHeader('location', '/account')
    response.assertSession('user', { email: 'demo@example.com', name: 'Demo User' })
    response.assertSession('cart', 2)
    response.assertFlashMessage('success', 'Welcome back, Demo User')
    assert.exists(response.cookie('adonis-session'))
  })

  test('flashes the email but never the password on a failed sign-in', async ({ client }) => {
    const response = await client
      .post('/login')
      .form({ email: 'demo@example.com', password: 'wrong' })
      .withCsrfToken()
      .redirects(0)

    response.assertHeader('location', '/login')
    response.assertSessionMissing('user')
    response.assertFlashMessage('errors', { login: 'Invalid email or password' })
    response.assertFlashMessage('email', 'demo@example.com')
    response.assertFlashMissing('password')
  })

  test('keeps guests out of the account page', async ({ client }) => {
    const response = await client.get('/account').redirects(0)

    response.assertStatus(302)
    response.assertHeader('location', '/login')
    response.assertFlashMessage('warning', 'Please sign in to see that page')
  })

  test('shows the account page to a signed-in user', async ({ client }) => {
    const response = await client
      .get('/account')
      .session({ user: { email: 'demo@example.com', name: 'Demo User' } })

    response.assertStatus(200)
    response.assertTextIncludes('<strong id="account-name">Demo User</strong>')
  })

  test('signs out and keeps the cart', async ({ client }) => {
    const response = await client
      .post('/logout')
      .session({ user: { email: 'demo@example.com', name: 'Demo User' }, cart: 1 })
      .withCsrfToken()
      .redirects(0)

    response.assertHeader('location', '/')
    response.assertSessionMissing('user')
    response.assertSession('cart', 1)
    response.assertFlashMessage('info', 'You have been signed out')
  })
})
