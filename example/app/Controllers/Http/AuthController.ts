import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * The one demo account. There is no database: this is about sessions.
 */
export const DEMO_USER = {
  email: 'demo@example.com',
  password: 'secret',
  name: 'Demo User',
}

/**
 * Sign-in and sign-out. Signing in regenerates the session id, so an id
 * planted before sign-in (session fixation) is worthless afterwards.
 */
export default class AuthController {
  public async create({ view }: HttpContextContract) {
    return view.render('pages/login')
  }

  public async store({ request, response, session }: HttpContextContract) {
    const email = String(request.input('email') ?? '').trim()
    const password = String(request.input('password') ?? '')

    if (email !== DEMO_USER.email || password !== DEMO_USER.password) {
      session.flashExcept(['_csrf', 'password'])
      session.flash('errors', { login: 'Invalid email or password' })
      return response.redirect('/login')
    }

    session.regenerate()
    session.put('user', { email: DEMO_USER.email, name: DEMO_USER.name })
    session.flash('success', `Welcome back, ${DEMO_USER.name}`)
    return response.redirect('/account')
  }

  public async account({ view }: HttpContextContract) {
    return view.render('pages/account')
  }

  /**
   * Forgets the user and issues a new session id. The cart survives:
   * only the identity is dropped.
   */
  public async destroy({ response, session }: HttpContextContract) {
    session.forget('user')
    session.regenerate()
    session.flash('info', 'You have been signed out')
    return response.redirect('/')
  }
}
