import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * Lets a request through only when the session holds a signed-in user.
 * Guests are sent to the sign-in page with a flash message explaining why.
 */
export default class Auth {
  public async handle({ session, response }: HttpContextContract, next: () => Promise<void>) {
    if (!session.has('user')) {
      session.flash('warning', 'Please sign in to see that page')
      return response.redirect('/login')
    }
    await next()
  }
}
