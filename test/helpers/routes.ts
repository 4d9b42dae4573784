/*
 * @adonisjs/session
 *
 * Routes that exercise the session API, shared by the specs
 */

import type { RouterContract } from '@ioc:Adonis/Core/Route'

export function defineSessionRoutes(Route: RouterContract) {
  Route.get('/all', ({ session }) => ({
    id: session.sessionId,
    fresh: session.fresh,
    values: session.all(),
  }))
  Route.get('/get/:key', ({ session, params }) => ({ value: session.get(params.key, 'default') }))
  Route.get('/has/:key', ({ session, params }) => ({ has: session.has(params.key) }))
  Route.post('/put', ({ session, request }) => {
    for (const [key, value] of Object.entries(request.body())) {
      session.put(key, value)
    }
    return session.all()
  })
  Route.get('/increment/:key', ({ session, params, request }) => {
    session.increment(params.key, Number(request.input('by', 1)))
    return session.all()
  })
  Route.get('/decrement/:key', ({ session, params }) => {
    session.decrement(params.key)
    return session.all()
  })
  Route.get('/forget/:key', ({ session, params }) => {
    session.forget(params.key)
    return session.all()
  })
  Route.get('/pull/:key', ({ session, params }) => ({
    value: session.pull(params.key),
    values: session.all(),
  }))
  Route.get('/clear', ({ session }) => {
    session.clear()
    return session.all()
  })
  Route.get('/regenerate', ({ session }) => {
    session.regenerate()
    return { id: session.sessionId, fresh: session.fresh }
  })
  Route.post('/flash', ({ session, request }) => {
    session.flash(request.body())
    return 'flashed'
  })
  Route.get('/flash/:key/:value', ({ session, params }) => {
    session.flash(params.key, params.value)
    return { received: session.flashMessages.all() }
  })
  Route.post('/flash-all', ({ session }) => {
    session.flashAll()
    return 'flashed'
  })
  Route.post('/flash-only', ({ session }) => {
    session.flashOnly(['title', 'meta.author'])
    return 'flashed'
  })
  Route.post('/flash-except', ({ session }) => {
    session.flashExcept(['_csrf'])
    return 'flashed'
  })
  Route.get('/reflash', ({ session }) => {
    session.reflash()
    return session.flashMessages.all()
  })
  Route.get('/reflash-only', ({ session }) => {
    session.reflashOnly(['errors'])
    return session.flashMessages.all()
  })
  Route.get('/reflash-except', ({ session }) => {
    session.reflashExcept(['errors'])
    return session.flashMessages.all()
  })
  Route.get('/flash-messages', ({ session }) => ({
    all: session.flashMessages.all(),
    isEmpty: session.flashMessages.isEmpty,
  }))
  Route.get('/nested', ({ session }) => {
    session.put('cart', { items: ['a'], count: 1 })
    session.increment('cart.count')
    session.get('cart').items.push('b')
    return session.all()
  })
  Route.get('/noop', () => 'ok')
  Route.post('/call', ({ session, request }) => {
    const { method, args } = request.body()
    if (!CALLABLE.includes(method)) {
      throw new Error(`/call does not call "${method}"`)
    }
    const [target, name] = method.startsWith('flashMessages.')
      ? [session.flashMessages, method.slice('flashMessages.'.length)]
      : [session, method]
    return { result: (target as any)[name](...args) ?? null }
  })
}

/**
 * The session methods `/call` may call, with the arguments of the request
 * body: the ones that take a key or a list of keys
 */
const CALLABLE = [
  'get',
  'has',
  'put',
  'forget',
  'pull',
  'increment',
  'decrement',
  'flash',
  'flashOnly',
  'flashExcept',
  'reflashOnly',
  'reflashExcept',
  'flashMessages.get',
  'flashMessages.has',
]
