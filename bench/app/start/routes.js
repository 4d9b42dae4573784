/*
 * The four benchmark routes. With sessions disabled (the floor) each route returns
 * the same JSON shape without touching `ctx.session`, which would throw there.
 */
const Route = global[Symbol.for('ioc.use')]('Adonis/Core/Route')
const Config = global[Symbol.for('ioc.use')]('Adonis/Core/Config')

const enabled = Config.get('session.enabled') !== false

Route.get('/none', function none() {
  return { ok: true }
})

Route.get('/read', function read({ session }) {
  if (!enabled) {
    return { id: null, counter: null }
  }
  return { id: session.sessionId, counter: session.get('counter', null) }
})

Route.get('/write', function write({ session }) {
  if (!enabled) {
    return { id: null, counter: null }
  }
  session.increment('counter')
  return { id: session.sessionId, counter: session.get('counter') }
})

Route.get('/flash', function flash({ session }) {
  if (!enabled) {
    return { notice: null }
  }
  session.flash('notice', 'saved')
  return { notice: session.flashMessages.get('notice', null) }
})
