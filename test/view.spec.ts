/*
 * @adonisjs/session
 *
 * The `session` and `flashMessages` globals in Edge templates
 */

import { test } from '@japa/runner'
import { setupApp, SESSION_DEFAULTS, TestApp } from './helpers/app'
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

const FORM_TAGS = `@flashMessage('notice')
<p class="notice">{{ $message }}</p>
@else
<p class="quiet">no notice</p>
@end
@error('title')
<p class="error">{{ $message }}</p>
@else
<p class="ok">title ok</p>
@end
@inputError('title')
<ul>
@each(message in $messages)
<li>{{ message }}</li>
@end
</ul>
@end
@error('profile.name')
<p class="nested">{{ $message }}</p>
@end
Title: {{ old('title', 'none') }}, city: {{ old('address.city', '-') }}
Outside: {{ typeof $message }}
`

test.group('edge form helpers', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  async function boot() {
    app = await setupApp(
      { ...SESSION_DEFAULTS, driver: 'memory' },
      { providers: ['@adonisjs/view'], files: { 'resources/views/form.edge': FORM_TAGS } }
    )
    app.Route.post('/submit', ({ session, response }) => {
      session.flash('errors', {
        'title': ['Title is required', 'Title is too short'],
        'profile.name': ['Name is required'],
      })
      session.flashAll()
      return response.redirect('/form')
    })
    app.Route.get('/form', ({ view }) => view.render('form'))
    app.Route.get('/now', ({ view, session }) => {
      session.flashNow('notice', 'Shown now')
      session.flashNow('errors', { title: 'Checked now' })
      return view.render('form')
    })
    return new Browser(await app.listen())
  }

  test('tags and old() render the flashed errors and input once', async ({ assert }) => {
    const browser = await boot()
    const empty = await browser.get('/form')
    assert.include(empty.text, '<p class="quiet">no notice</p>')
    assert.include(empty.text, '<p class="ok">title ok</p>')
    assert.notInclude(empty.text, '<ul>')
    assert.include(empty.text, 'Title: none, city: -')

    await browser.post('/submit', { title: 'ab', address: { city: 'Paris' } })
    const shown = await browser.get('/form')
    assert.include(shown.text, '<p class="error">Title is required</p>')
    assert.include(shown.text, '<li>Title is required</li>\n<li>Title is too short</li>')
    assert.include(shown.text, '<p class="nested">Name is required</p>')
    assert.include(shown.text, 'Title: ab, city: Paris')
    assert.include(shown.text, 'Outside: undefined')
    assert.notInclude(shown.text, 'title ok')

    const again = await browser.get('/form')
    assert.include(again.text, '<p class="ok">title ok</p>')
    assert.include(again.text, 'Title: none, city: -')
  })

  test('flashNow messages reach this request’s template only', async ({ assert }) => {
    const browser = await boot()
    const now = await browser.get('/now')
    assert.include(now.text, '<p class="notice">Shown now</p>')
    assert.include(now.text, '<p class="error">Checked now</p>')
    assert.include(now.text, '<li>Checked now</li>')
    const next = await browser.get('/form')
    assert.include(next.text, '<p class="quiet">no notice</p>')
  })

  test('outside a request, old() gives the default and the tags their else', async ({ assert }) => {
    await boot()
    const View = app.app.container.use('Adonis/Core/View')
    const html = await View.renderRaw(FORM_TAGS)
    assert.include(html, '<p class="quiet">no notice</p>')
    assert.include(html, 'Title: none, city: -')
  })

  test('a tag given two arguments fails to compile, naming the tag', async ({ assert }) => {
    await boot()
    const View = app.app.container.use('Adonis/Core/View')
    await assert.rejects(
      () => View.renderRaw(`@error('title', 'body')\nx\n@end`),
      'E_INVALID_SESSION_TAG: @error takes one argument, the flash message key or the field name (eval.edge:1)'
    )
  })
})
