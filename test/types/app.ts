/*
 * Compiled against the published .d.ts files (build/) with the TypeScript the
 * v5 starter pins: what an app writes must type-check.
 */

import { test } from '@japa/runner'
import Route from '@ioc:Adonis/Core/Route'
import { IncomingMessage } from 'http'
import Server from '@ioc:Adonis/Core/Server'
import Session, {
  AllowedSessionValues,
  ExtendCallback,
  ReadonlySessionContract,
  ReadonlyStoreContract,
  SessionConfig,
  SessionContract,
  SessionDriverContract,
  SessionViewLocals,
  StoreContract,
} from '@ioc:Adonis/Addons/Session'
import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { sessionConfig } from '@adonisjs/session/build/config'
import View from '@ioc:Adonis/Core/View'
import Event from '@ioc:Adonis/Core/Event'
import { sessionTags, defineViewBindings } from '@adonisjs/session/build/src/Bindings/View'

export const config: SessionConfig = sessionConfig({
  enabled: true,
  driver: 'cookie',
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: false },
  file: { location: '/tmp/sessions' },
  redisConnection: 'local',
  database: { connection: 'pg', table: 'sessions' },
  dontFlash: ['password'],
  memory: {},
})

Route.post('/cart', async ({ session, response }) => {
  const total: number = session.get('cart_total', 0)
  session.put('cart_total', total + 10)
  session.increment('visits')
  session.decrement('credits', 2)
  session.forget('coupon')
  const pulled: string | undefined = session.pull('notice')
  session.flash('errors', { title: 'Title is required' })
  session.flash({ success: 'saved' })
  session.flashAll()
  session.flashOnly(['title'])
  session.flashExcept(['_csrf'])
  session.reflash()
  session.reflashOnly(['errors'])
  session.reflashExcept(['success'])
  session.flashNow('notice', 'Shown on this page only')
  session.flashNow({ errors: { title: ['Title is required'] } })
  const messages: StoreContract = session.flashMessages
  const empty: boolean = messages.isEmpty
  const id: string = session.sessionId
  const state: boolean[] = [session.initiated, session.fresh, session.readonly, session.has('a')]
  if (!session.fresh) {
    session.regenerate()
  }
  session.tag(42)
  session.untag()
  const devices = await Session.sessions().tagged('42')
  const lastActive: Date[] = devices.map((device) => device.lastActiveAt)
  const ended: number = await Session.sessions().destroyTagged(42, { except: session.sessionId })
  await Session.sessions().destroy(devices[0].id)
  await session.commit()
  return response.json({ pulled, empty, id, state, lastActive, ended, all: session.all() })
})

const sessions: Map<string, Record<string, any>> = new Map()
export class MemoryDriver implements SessionDriverContract {
  public async read(sessionId: string) {
    return sessions.get(sessionId) || null
  }
  public async write(sessionId: string, values: Record<string, any>) {
    sessions.set(sessionId, values)
  }
  public async destroy(sessionId: string) {
    sessions.delete(sessionId)
  }
  public async touch() {}
}

const extension: ExtendCallback = (manager, driverConfig, ctx) => {
  manager.isEnabled()
  ctx.request.url()
  const cookieName: string = manager.config.cookieName
  // @ts-expect-error the normalised config is read-only
  manager.config = {} as any
  ctx.logger.trace('session cookie %s, driver config %o', cookieName, driverConfig)
  return new MemoryDriver()
}
Session.extend('memory', extension)

export function fromProvider(app: ApplicationContract) {
  const manager = app.container.use('Adonis/Addons/Session')
  manager.extend('memory', () => new MemoryDriver())
  const value: AllowedSessionValues = new Date()
  const session: SessionContract = manager.create({} as any)
  session.put('when', value)
  // @ts-expect-error a session value must be one of AllowedSessionValues
  session.put('nothing', undefined)
}

Server.instance!.on('upgrade', async (request: IncomingMessage, socket) => {
  const session: ReadonlySessionContract = await Session.readonly(request)
  const userId: number | undefined = session.get('auth_web')
  const flash: ReadonlyStoreContract = session.flashMessages
  const state: [string, boolean, true, true] = [
    session.sessionId,
    session.fresh,
    session.readonly,
    session.initiated,
  ]
  if (!userId || !session.has('auth_web') || flash.isEmpty) {
    socket.destroy()
  }
  console.log(session.all(), flash.get('notice'), flash.all(), state)
  // @ts-expect-error a read-only session has no put
  session.put('cart', 1)
  // @ts-expect-error nor a commit
  await session.commit()
  // @ts-expect-error its flash messages cannot be set
  flash.set('notice', 'hi')
})

test('japa helpers', async ({ client }) => {
  const response = await client
    .get('/')
    .session({ cart_total: 10 })
    .sessionTag(7)
    .flashMessages({ success: 'saved' })
  response.assertSession('cart_total', 10)
  response.assertSessionMissing('coupon')
  response.assertFlashMessage('success', 'saved')
  response.assertFlashMissing('errors')
  const values: Record<string, any> = response.session()
  const flash: Record<string, any> = response.flashMessages()
  response.dumpSession({ depth: 1 }).assertStatus(200)
  console.log(values, flash)
})

export function viewLocals(locals: SessionViewLocals) {
  const title: string = locals.old('title', '')
  const city = locals.old('address.city')
  const messages: StoreContract = locals.flashMessages
  const cart: number = locals.session.get('cart', 0)
  // @ts-expect-error templates get a read-only session
  locals.session.put('cart', 1)
  return [title, city, messages.has('errors.title'), cart]
}

/**
 * The package's tags are Edge tags: another Edge instance can take them
 */
sessionTags.forEach((tag) => View.registerTag(tag))
defineViewBindings(View)

/**
 * The security options and the session events, typed
 */
export const hardened: SessionConfig = sessionConfig({
  enabled: true,
  driver: 'redis',
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  maxLifetime: '12h',
  previousAppKeys: ['the-old-app-key-of-this-application'],
  encrypt: true,
  varyCookie: true,
  cookie: { secure: true, partitioned: true, priority: 'high', sameSite: 'none' },
})

// @ts-expect-error priority is one of low, medium, high
export const wrongPriority: SessionConfig['cookie'] = { priority: 'urgent' }

Event.on('session:migrated', ({ fromSessionId, toSessionId, ctx }) => {
  const ids: [string, string] = [fromSessionId, toSessionId]
  ctx.logger.info('session regenerated %o', ids)
})
Event.on('session:destroyed', ({ sessionId, reason }) => {
  const why: 'emptied' | 'maxLifetime' = reason
  console.log(sessionId, why)
})
Event.on('session:committed', ({ operation }) => {
  // @ts-expect-error operations are named
  const wrong: 'deleted' = operation
  console.log(wrong)
})
Event.on('session:initiated', ({ fresh, readonly, driver }) => console.log(fresh, readonly, driver))
