import Session from '@ioc:Adonis/Addons/Session'
import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import type { TaggedSession } from '@ioc:Adonis/Addons/Session'

/**
 * "Where am I signed in?": the signed-in user's sessions, from the tag set
 * at sign-in, with a way to end one or all the others
 */
export default class DevicesController {
  public async index({ view, session }: HttpContextContract) {
    const sessions = Session.sessions()
    if (!sessions.supportsTagging()) {
      return view.render('pages/devices', { title: 'Devices', supported: false, devices: [] })
    }
    const listed = await sessions.tagged(session.get('user.email'))
    const devices = listed.map((device) => describe(device, session.sessionId))
    return view.render('pages/devices', { title: 'Devices', supported: true, devices })
  }

  /**
   * Sign one device out; only one of the user's own sessions can be named
   */
  public async destroy({ params, response, session }: HttpContextContract) {
    const sessions = Session.sessions()
    const own = await sessions.tagged(session.get('user.email'))
    if (own.some((device) => device.id === params.id && device.id !== session.sessionId)) {
      await sessions.destroy(params.id)
      session.flash('success', 'That device is signed out')
    }
    return response.redirect('/account/devices')
  }

  /**
   * Sign out every device but this one, as after a password change
   */
  public async destroyOthers({ response, session }: HttpContextContract) {
    const ended = await Session.sessions().destroyTagged(session.get('user.email'), {
      except: session.sessionId,
    })
    session.flash('success', `Signed out ${ended} other ${ended === 1 ? 'device' : 'devices'}`)
    return response.redirect('/account/devices')
  }
}

/**
 * What the page shows of a session: never its id, only a short reference
 */
function describe(device: TaggedSession, currentId: string) {
  return {
    id: device.id,
    current: device.id === currentId,
    browser: browserOf(device.userAgent),
    ip: device.ip || 'unknown',
    signedInAt: device.createdAt.toISOString(),
    lastActiveAt: device.lastActiveAt.toISOString(),
    lastActive: ago(device.lastActiveAt),
  }
}

/**
 * A readable browser name from a user agent
 */
function browserOf(userAgent: string | null) {
  if (!userAgent) {
    return 'Unknown browser'
  }
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
    ? 'Firefox'
    : /Chrom(e|ium)\//.test(userAgent)
    ? 'Chrome'
    : /Safari\//.test(userAgent)
    ? 'Safari'
    : 'Browser'
  const system = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS X/.test(userAgent)
    ? 'macOS'
    : /Android/.test(userAgent)
    ? 'Android'
    : /Linux/.test(userAgent)
    ? 'Linux'
    : 'an unknown system'
  return `${browser} on ${system}`
}

function ago(date: Date) {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000))
  if (seconds < 60) {
    return 'just now'
  }
  const minutes = Math.round(seconds / 60)
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`
}
