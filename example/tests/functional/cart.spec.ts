import { test } from '@japa/runner'

test.group('Cart', () => {
  test('renders the count stored in the session', async ({ client }) => {
    const response = await client.get('/cart').session({ cart: 3 })

    response.assertStatus(200)
    response.assertTextIncludes('<p class="stat" id="cart-count">3</p>')
  })

  test('starts an empty cart at zero', async ({ client }) => {
    const response = await client.get('/cart')

    response.assertStatus(200)
    response.assertTextIncludes('<p class="stat" id="cart-count">0</p>')
  })

  test('increments the cart by the posted quantity', async ({ client }) => {
    const response = await client
      .post('/cart')
      .form({ quantity: 2 })
      .session({ cart: 3 })
      .withCsrfToken()
      .redirects(0)

    response.assertStatus(302)
    response.assertHeader('location', '/cart')
    response.assertSession('cart', 5)
    response.assertSession('cartUpdatedAt')
  })

  test('flashes an error for an invalid quantity and leaves the cart alone', async ({ client }) => {
    const response = await client
      .post('/cart')
      .form({ quantity: 'many' })
      .session({ cart: 1 })
      .withCsrfToken()
      .redirects(0)

    response.assertSession('cart', 1)
    response.assertFlashMessage('errors', {
      quantity: 'Quantity must be a whole number between 1 and 99',
    })
  })

  test('empties the cart', async ({ client }) => {
    const response = await client
      .post('/cart/clear')
      .session({ cart: 4, cartUpdatedAt: '2024-01-01T00:00:00.000Z' })
      .withCsrfToken()
      .redirects(0)

    response.assertSessionMissing('cart')
    response.assertSessionMissing('cartUpdatedAt')
    response.assertFlashMessage('info', 'Cart emptied')
  })
})
