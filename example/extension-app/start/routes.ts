/*
|--------------------------------------------------------------------------
| Routes
|--------------------------------------------------------------------------
|
| A cart and a checkout, as small as the tests of the session helpers need.
|
*/

import Route from '@ioc:Adonis/Core/Route'

Route.get('/cart', async ({ session }) => {
  return { cart_total: session.get('cart_total', 0) }
})

Route.post('/cart', async ({ session, request }) => {
  session.increment('cart_total', request.input('quantity', 1))
  session.flash('notice', 'Added to your cart')
  return { cart_total: session.get('cart_total') }
})

Route.get('/notice', async ({ session }) => {
  return { notice: session.flashMessages.get('notice', null) }
})

Route.post('/checkout', async ({ session, response }) => {
  if (!session.has('cart_total')) {
    session.flash('errors', { cart: 'Your cart is empty' })
    return response.redirect('/cart')
  }
  session.put('last_order', { items: session.pull('cart_total') })
  session.flash('success', 'Order placed')
  return response.redirect('/cart')
})
