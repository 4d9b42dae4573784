/*
 * Compiled against the published .d.ts files (build/) with the TypeScript the
 * v5 starter pins: what an app writes must type-check.
 */

import { test } from '@japa/runner'
import Route from '@ioc:Adonis/Core/Route'
import Session, {
  AllowedSessionValues,
  ExtendCallback,
  SessionConfig,
  SessionContract,
  SessionDriverContract,
  StoreContract,
} from '@ioc:Adonis/Addons/Session'
import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { sessionConfig } from '@adonisjs/session/build/config'

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
  const messages: StoreContract = session.flashMessages
  const empty: boolean = messages.isEmpty
  const id: string = session.sessionId
  const state: boolean[] = [session.initiated, session.fresh, session.readonly, session.has('a')]
  if (!session.fresh) {
    session.regenerate()
  }
  await session.commit()
  return response.json({ pulled, empty, id, state, all: session.all() })
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

test('japa helpers', async ({ client }) => {
  const response = await client
    .get('/')
    .session({ cart_total: 10 })
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
