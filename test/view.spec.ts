/*
 * @adonisjs/session
 *
 * The `session` and `flashMessages` globals in Edge templates
 */

import { test } from '@japa/runner'
import { setupApp, TestApp } from './helpers/app'
import { Browser } from './helpers/browser'

const TEMPLATE = `Cart total: {{ session.get('cart_total', 0) }}
Has cart: {{ session.has('cart_total') }}
All: {{ JSON.stringify(session.all()) }}
Title error: {{ flashMessages.get('errors.title') }}
Old title: {{ flashMessages.get('title', '') }}
Has error: {{ flashMessages.has('errors.title') }}
Flash all: {{ JSON.stringify(flashMessages.all()) }}
Empty: {{ flashMessages.isEmpty }}
`

test.group('edge globals', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('templates read the session and the previous request flash messages', async ({ assert }) => {
    app = await setupApp(
      {
        enabled: true,
        driver: 'cookie',
        cookieName: 'adonis-session',
        clearWithBrowser: false,
        age: '2h',
        cookie: {},
      },
      {
        providers: ['@adonisjs/view'],
        files: { 'resources/views/show.edge': TEMPLATE },
      }
    )
    app.Route.post('/submit', ({ session, response }) => {
      session.put('cart_total', 30)
      session.flash('errors', { title: 'Title is required' })
      session.flashAll()
      return response.redirect('/show')
    })
    app.Route.get('/show', ({ view }) => view.render('show'))
    const browser = new Browser(await app.listen())

    const empty = await browser.get('/show')
    assert.include(empty.text, 'Cart total: 0')
    assert.include(empty.text, 'Empty: true')

    await browser.post('/submit', { title: 'Draft' })
    const shown = await browser.get('/show')
    assert.include(shown.text, 'Cart total: 30')
    assert.include(shown.text, 'Has cart: true')
    assert.include(shown.text, 'All: {&quot;cart_total&quot;:30}')
    assert.include(shown.text, 'Title error: Title is required')
    assert.include(shown.text, 'Old title: Draft')
    assert.include(shown.text, 'Has error: true')
    assert.include(shown.text, 'Empty: false')

    const again = await browser.get('/show')
    assert.notInclude(again.text, 'Title is required')
    assert.include(again.text, 'Has error: false')
    assert.include(again.text, 'Empty: true')
  })
})
