/*
 * The four benchmark routes. With sessions disabled (the floor) each route returns
 * the same JSON shape without touching `ctx.session`: reading that getter creates a
 * session object even then (6.4 parses and unsigns the cookie for it), which would
 * put session work into the floor.
 */
const Route = global[Symbol.for('ioc.use')]('Adonis/Core/Route')
const Config = global[Symbol.for('ioc.use')]('Adonis/Core/Config')

const enabled = Config.get('session.enabled') !== false

Route.get('/none', function none() {
  return { ok: true }
})

Route.get('/read', function read(ctx) {
  if (!enabled) {
    return { id: null, counter: null }
  }
  const session = ctx.session
  return { id: session.sessionId, counter: session.get('counter', null) }
})

Route.get('/write', function write(ctx) {
  if (!enabled) {
    return { id: null, counter: null }
  }
  const session = ctx.session
  session.increment('counter')
  return { id: session.sessionId, counter: session.get('counter') }
})

Route.get('/flash', function flash(ctx) {
  if (!enabled) {
    return { notice: null }
  }
  const session = ctx.session
  session.flash('notice', 'saved')
  return { notice: session.flashMessages.get('notice', null) }
})
