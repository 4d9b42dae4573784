import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import Event from '@ioc:Adonis/Core/Event'

/**
 * A cart counter kept in the session: `session.put`, `session.increment`
 * and `session.forget`. Changes go to the session's other tabs through
 * start/socket.ts.
 */
export default class CartController {
  /**
   * Renders the counter. The view reads it with the `session` global.
   */
  public async show({ view }: HttpContextContract) {
    return view.render('pages/cart')
  }

  /**
   * Adds `quantity` items (1 by default) to the cart
   */
  public async add({ request, response, session }: HttpContextContract) {
    const quantity = Number(request.input('quantity', 1))
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
      session.flash('errors', { quantity: 'Quantity must be a whole number between 1 and 99' })
      return response.redirect('/cart')
    }

    session.increment('cart', quantity)
    session.put('cartUpdatedAt', new Date().toISOString())
    Event.emit('cart:changed', { sessionId: session.sessionId, count: session.get('cart') })
    return response.redirect('/cart')
  }

  /**
   * Empties the cart
   */
  public async clear({ response, session }: HttpContextContract) {
    session.forget('cart')
    session.forget('cartUpdatedAt')
    session.flash('info', 'Cart emptied')
    Event.emit('cart:changed', { sessionId: session.sessionId, count: 0 })
    return response.redirect('/cart')
  }
}
