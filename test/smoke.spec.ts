import { test } from '@japa/runner'
import { setupApp } from './helpers/app'
import { Browser } from './helpers/browser'

test.group('smoke', () => {
  test('cookie driver round trip', async ({ assert }) => {
    const t = await setupApp({ driver: 'cookie', age: '2h', cookieName: 'adonis-session', cookie: {} })
    t.Route.get('/put', ({ session }) => { session.increment('n'); return session.all() })
    await t.listen()
    const b = new Browser(t.url)
    const r1 = await b.get('/put')
    const r2 = await b.get('/put')
    assert.deepEqual(r1.json, { n: 1 })
    assert.deepEqual(r2.json, { n: 2 })
    await t.close()
  })
})
