import Config from '@ioc:Adonis/Core/Config'
import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * Keys whose values are secrets (shield's `csrf-secret`, tokens,
 * passwords): the page shows their length, never the value
 */
const SECRET_KEY = /secret|token|password/i

type Row = { key: string; value?: string; masked: boolean; length?: number }

/**
 * Shows what the session looks like from the server: its id, the driver
 * storing it and everything in it.
 */
export default class SessionController {
  public async show({ view, session }: HttpContextContract) {
    return view.render('pages/session', {
      title: 'Session',
      sessionId: session.sessionId,
      driver: Config.get('session.driver'),
      fresh: session.fresh,
      rows: rowsOf(session.all()),
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

/**
 * One row per value, nested objects as dot paths, secrets masked
 */
function rowsOf(values: Record<string, any>, prefix = ''): Row[] {
  return Object.keys(values)
    .sort()
    .flatMap((name) => {
      const key = `${prefix}${name}`
      const value = values[name]
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return rowsOf(value, `${key}.`)
      }
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      return SECRET_KEY.test(name)
        ? [{ key, masked: true, length: text.length }]
        : [{ key, value: text, masked: false }]
    })
}
