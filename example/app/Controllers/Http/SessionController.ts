import Config from '@ioc:Adonis/Core/Config'
import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * Shows what the session looks like from the server: its id, the driver
 * storing it and everything in it.
 */
export default class SessionController {
  public async show({ view, session }: HttpContextContract) {
    return view.render('pages/session', {
      sessionId: session.sessionId,
      driver: Config.get('session.driver'),
      fresh: session.fresh,
      values: JSON.stringify(session.all(), null, 2),
    })
  }

  /**
   * The same facts as JSON, for scripts and tests
   */
  public async json({ session }: HttpContextContract) {
    return {
      sessionId: session.sessionId,
      driver: Config.get('session.driver'),
      fresh: session.fresh,
      values: session.all(),
    }
  }
}
