/*
 * @adonisjs/session
 *
 * The per-request API through real HTTP round trips (memory and cookie
 * drivers); driver-independent behaviour lives here, driver cases in the
 * contract suite.
 */

import { test } from '@japa/runner'
import { createDecipheriv, createHash } from 'crypto'
import fc from 'fast-check'
import { serialize as serializeCookie } from 'cookie'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionChange } from '../src/Drivers/Shared/change'
import { setupApp, TestApp, SESSION_DEFAULTS, APP_KEY } from './helpers/app'
import { Browser, errorMessage, startSession } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { Encryption } from '@adonisjs/core/build/standalone'
import { DataCookieCipher } from '../src/DataCipher'
import { MemoryDriver } from '../src/Drivers/Memory'

const base = { ...SESSION_DEFAULTS, driver: 'memory' }

async function boot(
  config: Record<string, any> = {},
  routes?: (app: TestApp) => void
): Promise<{ app: TestApp; browser: Browser }> {
  const app = await setupApp({ ...base, ...config })
  defineSessionRoutes(app.Route)
  routes?.(app)
  return { app, browser: new Browser(await app.listen()) }
}

test.group('session API', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('get returns the default for undefined and null values', async ({ assert }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/put', { nothing: null, zero: 0, empty: '', no: false })
    assert.deepEqual((await browser.get('/get/nothing')).json, { value: 'default' })
    assert.deepEqual((await browser.get('/get/missing')).json, { value: 'default' })
    assert.deepEqual((await browser.get('/get/zero')).json, { value: 0 })
    assert.deepEqual((await browser.get('/get/empty')).json, { value: '' })
    assert.deepEqual((await browser.get('/get/no')).json, { value: false })
  })

  test('has is true for stored values except null and empty arrays', async ({ assert }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/put', { zero: 0, empty: '', no: false, list: [], items: [1], nil: null })
    for (const [key, expected] of Object.entries({
      zero: true,
      empty: true,
      no: true,
      list: false,
      items: true,
      nil: false,
      missing: false,
    })) {
      assert.deepEqual((await browser.get(`/has/${key}`)).json, { has: expected }, key)
    }
  })

  test('increment on a non-number raises an exception', async ({ assert }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/put', { name: 'virk' })
    const response = await browser.get('/increment/name', { accept: 'application/json' })
    assert.equal(response.status, 500)
    assert.equal(
      errorMessage(response),
      'E_RUNTIME_EXCEPTION: Cannot increment "name", since its current value is not a number'
    )
  })

  test('in-place edits of a value read from the session are persisted', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/push', ({ session }) => {
        session.get('cart').items.push(session.get('cart').items.length + 1)
        return session.all()
      })
    }))
    const browser = new Browser(app.url)
    await browser.post('/put', { cart: { items: [] } })
    await browser.get('/push')
    await browser.get('/push')
    assert.deepEqual((await browser.get('/all')).json.values, { cart: { items: [1, 2] } })
  })

  test('committing twice in one request applies the changes once', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/early-commit', async ({ session }) => {
        session.increment('hits')
        session.flash('notice', 'once')
        await session.commit()
        return session.all()
      })
    }))
    const browser = new Browser(app.url)
    await browser.get('/increment/hits')
    assert.deepEqual((await browser.get('/early-commit')).json, { hits: 2 })
    assert.deepEqual((await browser.get('/all')).json.values, { hits: 2 })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('flashed input waits under "input" until commit, as in 6.4', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.post('/inspect', ({ session }) => {
        session.flashExcept(['_csrf'])
        session.flash('notice', 'saved')
        return session.responseFlashMessages.all()
      })
    }))
    const browser = new Browser(app.url)
    const response = await browser.post('/inspect', { title: 'Hi', _csrf: 'x' })
    assert.deepEqual(response.json, { input: { title: 'Hi' }, notice: 'saved' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      title: 'Hi',
      notice: 'saved',
    })
  })

  test('using the session before initiate raises E_RUNTIME_EXCEPTION', async ({ assert }) => {
    ;({ app } = await boot({ enabled: false }, ({ Route }) => {
      Route.get('/early', ({ session }) => session.get('x'))
    }))
    const response = await new Browser(app.url).get('/early', { accept: 'application/json' })
    assert.equal(response.status, 500)
    assert.equal(
      errorMessage(response),
      'E_RUNTIME_EXCEPTION: Session store is not initiated yet. Make sure sessions are enabled in "config/session" file and the session hook has run (or call "await session.initiate(false)")'
    )
  })

  test('a readonly session refuses every mutation and writes nothing', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/readonly', async (ctx) => {
        const readonly = app.manager.create(ctx)
        await readonly.initiate(true)
        const errors: string[] = []
        const attempts: Array<() => void> = [
          () => readonly.put('a', 1),
          () => readonly.forget('a'),
          () => readonly.increment('a'),
          () => readonly.clear(),
          () => readonly.flash('a', 1),
          () => readonly.flashAll(),
        ]
        for (const attempt of attempts) {
          try {
            attempt()
          } catch (error) {
            errors.push(error.message)
          }
        }
        await readonly.commit()
        return { readonly: readonly.readonly, values: readonly.all(), errors }
      })
    }))
    const browser = new Browser(app.url)
    await browser.post('/put', { a: 1 })
    const response = await browser.get('/readonly')
    assert.isTrue(response.json.readonly)
    assert.deepEqual(response.json.values, { a: 1 })
    assert.lengthOf(response.json.errors, 6)
    for (const message of response.json.errors) {
      assert.equal(
        message,
        'E_RUNTIME_EXCEPTION: Session store is in readonly mode and cannot be mutated'
      )
    }
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1 })
  })
})

test.group('session flash messages', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('flashAll keeps the request body at the top level, without passwords', async ({
    assert,
  }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/flash-all', {
      title: '',
      email: 'virk@adonisjs.com',
      password: 'secret',
      password_confirmation: 'secret',
    })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      title: '',
      email: 'virk@adonisjs.com',
    })
  })

  test('flashOnly and flashExcept pick and omit fields, dot paths included', async ({ assert }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    const body = { title: 'Hello', _csrf: 'token', meta: { author: 'virk', tags: ['a'] }, extra: 1 }
    await browser.post('/flash-only', body)
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      title: 'Hello',
      meta: { author: 'virk' },
    })
    await browser.post('/flash-except', body)
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      title: 'Hello',
      meta: { author: 'virk', tags: ['a'] },
      extra: 1,
    })
  })

  test('dontFlash is configurable', async ({ assert }) => {
    ;({ app } = await boot({ dontFlash: ['secret', 'card.number'] }))
    const browser = new Browser(app.url)
    await browser.post('/flash-all', {
      secret: 'x',
      password: 'kept',
      card: { number: 1, name: 'A' },
    })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      password: 'kept',
      card: { name: 'A' },
    })
  })

  test('dontFlash names match at any depth, dot paths at their path', async ({ assert }) => {
    ;({ app } = await boot({ dontFlash: ['password', 'card.number'] }))
    const browser = new Browser(app.url)
    await browser.post('/flash-all', {
      password: 'a',
      user: { name: 'virk', password: 'b', profile: { password: 'c' } },
      users: [{ name: 'x', password: 'd' }, 'password'],
      card: { number: 1, name: 'A' },
      other: { card: { number: 2 } },
    })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      user: { name: 'virk', profile: {} },
      users: [{ name: 'x' }, 'password'],
      card: { name: 'A' },
      other: { card: { number: 2 } },
    })
  })

  test('flashNow shows a message to this request only and stores nothing', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/now', ({ session }) => {
        session.flashNow('notice', 'Saved just now')
        session.flashNow({ errors: { title: 'Required' } })
        session.reflash()
        return { now: session.flashMessages.all(), all: session.all() }
      })
    }))
    const browser = new Browser(app.url)
    await browser.get('/flash/notice/previous')
    const now = await browser.get('/now')
    assert.deepEqual(now.json.now, {
      notice: 'Saved just now',
      errors: { title: 'Required' },
    })
    assert.deepEqual(now.json.all, {})
    assert.deepEqual((await browser.get('/flash-messages')).json.all, { notice: 'previous' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('flashNow before the session is initiated raises', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/early', (ctx) => {
        try {
          app.manager.create(ctx).flashNow('a', 1)
        } catch (error) {
          return { error: error.message }
        }
      })
    }))
    const response = await new Browser(app.url).get('/early')
    assert.equal(
      response.json.error,
      'E_RUNTIME_EXCEPTION: Session store is not initiated yet. Make sure sessions are enabled in "config/session" file and the session hook has run (or call "await session.initiate(false)")'
    )
  })

  test('a prefetch sees the flash messages, leaves them and stores none of its own', async ({
    assert,
  }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/prefetched', ({ session }) => {
        session.increment('visits')
        session.flash('from-prefetch', true)
        return session.flashMessages.all()
      })
    }))
    const browser = new Browser(app.url)
    await browser.post('/flash', { notice: 'hi' })
    for (const headers of [
      { 'sec-purpose': 'prefetch' },
      { 'sec-purpose': 'prefetch;prerender' },
      { purpose: 'prefetch' },
    ]) {
      assert.deepEqual((await browser.get('/prefetched', headers)).json, { notice: 'hi' })
    }
    assert.deepEqual((await browser.get('/all')).json.values, { visits: 3 })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('a navigation after a prefetch gets the flash messages', async ({ assert }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/flash', { notice: 'hi' })
    await browser.get('/flash-messages', { 'sec-purpose': 'prefetch' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, { notice: 'hi' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('a request preferring JSON leaves the flash messages, one preferring HTML takes them', async ({
    assert,
  }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    await browser.post('/flash', { notice: 'hi' })
    const api = await browser.get('/flash-messages', { accept: 'application/json' })
    assert.deepEqual(api.json.all, { notice: 'hi' })
    const page = await browser.get('/flash-messages', {
      accept: 'text/html,application/json;q=0.9',
    })
    assert.deepEqual(page.json.all, { notice: 'hi' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('a read-only session sees the flash messages and leaves them', async ({ assert }) => {
    /**
     * Without the hooks (sessions disabled), each route initiates its own
     * session, read-only or not
     */
    ;({ app } = await boot({ enabled: false }, ({ Route }) => {
      const handle = (readonly: boolean, flash?: string) => async (ctx: HttpContextContract) => {
        const session = app.manager.create(ctx)
        await session.initiate(readonly)
        const seen = session.flashMessages.all()
        if (flash) {
          session.flash('notice', flash)
        }
        await session.commit()
        return seen
      }
      Route.get('/own/flash', handle(false, 'hi'))
      Route.get('/own/peek', handle(true))
      Route.get('/own/take', handle(false))
    }))
    const browser = new Browser(app.url)
    await browser.get('/own/flash')
    assert.deepEqual((await browser.get('/own/peek')).json, { notice: 'hi' })
    assert.deepEqual((await browser.get('/own/peek')).json, { notice: 'hi' })
    assert.deepEqual((await browser.get('/own/take')).json, { notice: 'hi' })
    assert.deepEqual((await browser.get('/own/take')).json, {})
  })

  test('stats record the read, the flash and what the commit did', async ({ assert }) => {
    ;({ app } = await boot({ enabled: false }, ({ Route }) => {
      Route.get('/stats/:action', async (ctx) => {
        const session = app.manager.create(ctx) as any
        await session.initiate(false)
        if (ctx.params.action === 'put') {
          session.put('cart', 2)
          session.flash('notice', 'hi')
        }
        await session.commit()
        return session.stats
      })
    }))
    const browser = new Browser(app.url)
    assert.deepEqual((await browser.get('/stats/none')).json, {
      driver: 'memory',
      read: false,
      readValues: null,
      flash: 'none',
      commit: 'none',
      written: null,
    })
    assert.deepEqual((await browser.get('/stats/put')).json, {
      driver: 'memory',
      read: true,
      readValues: null,
      flash: 'none',
      commit: 'write',
      written: { cart: 2, __flash__: { notice: 'hi' } },
    })
    assert.deepEqual((await browser.get('/stats/read')).json, {
      driver: 'memory',
      read: true,
      readValues: { cart: 2, __flash__: { notice: 'hi' } },
      flash: 'consumed',
      commit: 'write',
      written: { cart: 2 },
    })
    assert.deepEqual((await browser.get('/stats/read')).json, {
      driver: 'memory',
      read: true,
      readValues: { cart: 2 },
      flash: 'none',
      commit: 'touch',
      written: null,
    })
  })

  test('explicit flash messages win over flashed input', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.post('/both', ({ session }) => {
        session.flash('title', 'from flash')
        session.flashAll()
        return 'ok'
      })
    }))
    const browser = new Browser(app.url)
    await browser.post('/both', { title: 'from input', body: 'text' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      title: 'from flash',
      body: 'text',
    })
  })

  test('reflash, reflashOnly and reflashExcept carry messages one more request', async ({
    assert,
  }) => {
    ;({ app } = await boot())
    const browser = new Browser(app.url)
    const messages = { errors: { title: 'required' }, success: 'saved' }

    await browser.post('/flash', messages)
    assert.deepEqual((await browser.get('/reflash')).json, messages)
    assert.deepEqual((await browser.get('/flash-messages')).json.all, messages)

    await browser.post('/flash', messages)
    await browser.get('/reflash-only')
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {
      errors: { title: 'required' },
    })

    await browser.post('/flash', messages)
    await browser.get('/reflash-except')
    assert.deepEqual((await browser.get('/flash-messages')).json.all, { success: 'saved' })
    assert.deepEqual((await browser.get('/flash-messages')).json.all, {})
  })

  test('flash survives a redirect and is gone after', async ({ assert }) => {
    ;({ app } = await boot({}, ({ Route }) => {
      Route.get('/redirecting', ({ session, response }) => {
        session.flash('message', 'Hello world')
        response.redirect('/see-message')
      })
      Route.get('/see-message', ({ session }) => session.flashMessages.get('message', 'none'))
    }))
    const browser = new Browser(app.url)
    const redirect = await browser.get('/redirecting')
    assert.equal(redirect.status, 302)
    assert.equal(redirect.headers.get('location'), '/see-message')
    assert.equal((await browser.get('/see-message')).text, 'Hello world')
    assert.equal((await browser.get('/see-message')).text, 'none')
  })
})

test.group('session cookies', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test('the data cookie header is what the cookie package serialises for the options', async ({
    assert,
  }) => {
    ;({ app } = await boot({
      driver: 'cookie',
      age: 90 * 60 * 1000,
      cookie: { sameSite: 'strict', httpOnly: true, secure: true, domain: 'example.test' },
    }))
    const { browser, id } = await startSession(app.url, { a: 1 })
    const response = await browser.post('/put', { b: 2 })
    const header = response.headers
      .getSetCookie()
      .find((value: string) => value.startsWith(`${id}=`))!
    const value = decodeURIComponent(header.slice(id.length + 1, header.indexOf(';')))
    assert.match(value, /^e:/)
    assert.equal(header, serializeCookie(id, value, app.manager.config.cookieOptions))
    assert.include(header, '; Max-Age=5400; Domain=example.test; Path=/; HttpOnly; Secure')
  })

  test('every response re-sends the id cookie with a fresh Max-Age', async ({ assert }) => {
    ;({ app } = await boot({ age: 90 * 60 * 1000, cookie: { sameSite: 'lax', httpOnly: true } }))
    const browser = new Browser(app.url)
    const first = await browser.get('/noop')
    const second = await browser.get('/noop')
    for (const response of [first, second]) {
      const [cookie] = response.setCookies
      assert.equal(cookie.name, 'adonis-session')
      assert.equal(cookie.attributes['max-age'], '5400')
      assert.equal(cookie.attributes['samesite'], 'Lax')
      assert.isTrue(cookie.attributes['httponly'])
      assert.equal(cookie.attributes['path'], '/')
    }
    assert.equal(first.setCookies[0].value, second.setCookies[0].value)
  })

  test('clearWithBrowser sends browser-session cookies', async ({ assert }) => {
    ;({ app } = await boot({ clearWithBrowser: true, driver: 'cookie' }))
    const browser = new Browser(app.url)
    const response = await browser.post('/put', { a: 1 })
    assert.lengthOf(response.setCookies, 2)
    for (const cookie of response.setCookies) {
      assert.notProperty(cookie.attributes, 'max-age')
      assert.notProperty(cookie.attributes, 'expires')
    }
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1 })
  })

  test('enabled: false means no hooks, no cookie and no store access', async ({ assert }) => {
    ;({ app } = await boot({ enabled: false }))
    const response = await new Browser(app.url).get('/noop')
    assert.equal(response.text, 'ok')
    assert.lengthOf(response.setCookies, 0)
  })

  test('the cookie driver refuses a cookie browsers would drop', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const browser = new Browser(app.url)
    await browser.post('/put', { small: 'value' })
    const response = await browser.post(
      '/put',
      { big: 'x'.repeat(4000) },
      { accept: 'application/json' }
    )
    assert.equal(response.status, 500)
    const dataCookie = response.setCookies.find((cookie) => cookie.name !== 'adonis-session')
    assert.isUndefined(dataCookie)
    assert.match(
      errorMessage(response),
      /^E_SESSION_COOKIE_TOO_LARGE: Session cookie "[A-Za-z0-9_-]{6}…" would be \d{4} bytes \(name and value\), over the 4096 bytes browsers keep\. Store less in the session, or switch to the file or redis driver in "config\/session" file$/
    )
    assert.deepEqual((await browser.get('/all')).json.values, { small: 'value' })
  })

  test('the largest cookie that fits is sent whole', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const browser = new Browser(app.url)
    const response = await browser.post('/put', { text: 'x'.repeat(2500) })
    assert.equal(response.status, 200)
    const raw = response.headers
      .getSetCookie()
      .find((header) => !header.startsWith('adonis-session='))!
    assert.isBelow(Buffer.byteLength(raw), 4097)
    assert.equal((await browser.get('/get/text')).json.value.length, 2500)
  })

  test('regenerate clears the old data cookie of the cookie driver', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const { browser, id: oldId } = await startSession(app.url, { a: 1 })
    const response = await browser.get('/regenerate')
    const cleared = response.setCookies.find((cookie) => cookie.name === oldId)!
    assert.equal(cleared.value, '')
    assert.equal(cleared.attributes['max-age'], '-1')
    assert.isFalse(browser.cookies.has(oldId))
    assert.deepEqual(
      [...browser.cookies.keys()].sort(),
      ['adonis-session', response.json.id].sort()
    )
  })

  test('an expired or tampered data cookie is cleared', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const { browser, id } = await startSession(app.url, { a: 1 })
    browser.cookies.set(id, `${browser.cookies.get(id)!.slice(0, -4)}AAAA`)
    const response = await browser.get('/all')
    assert.deepEqual(response.json.values, {})
    const cleared = response.setCookies.find((cookie) => cookie.name === id)!
    assert.equal(cleared.attributes['max-age'], '-1')
    assert.isFalse(browser.cookies.has(id))
  })

  test('a replayed data cookie past its age reads as empty', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie', age: 1000 }))
    const browser = new Browser(app.url)
    await browser.post('/put', { a: 1 })
    const replay = browser.clone()
    assert.deepEqual((await replay.clone().get('/all')).json.values, { a: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    assert.deepEqual((await replay.get('/all')).json.values, {})
  }).timeout(10000)
})

/**
 * A sign-in that stores the user and a logout that forgets it, as
 * @adonisjs/auth's session guard does
 */
function defineLoginRoutes(app: TestApp) {
  app.Route.post('/login', ({ session, request }) => {
    const { user, ...rest } = request.body()
    session.put('auth_user', user)
    Object.entries(rest).forEach(([key, value]) => session.put(key, value))
    return 'signed in'
  })
  app.Route.post('/logout', ({ session }) => {
    session.forget('auth_user')
    session.forget('__expires_at__')
    return 'signed out'
  })
}

/**
 * The decrypted envelope text of a data cookie (`e:...`)
 */
function envelopeText(raw: string) {
  const key = createHash('sha256').update(APP_KEY).digest()
  const [body, iv] = raw.slice(2).split('.')
  const decipher = createDecipheriv('aes-256-cbc', key, Buffer.from(iv, 'base64url'))
  return decipher.update(Buffer.from(body, 'base64url')).toString() + decipher.final().toString()
}

test.group('data cookie encryption', (group) => {
  let app: TestApp
  group.each.teardown(() => app?.close())

  test("what the cookie driver encrypts is the framework's format: Encryption.decrypt reads it", async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    assert.instanceOf(app.manager.cookies.data['cipher'], DataCookieCipher as any)
    const encryption = app.app.container.use('Adonis/Core/Encryption')
    const { browser, id } = await startSession(app.url, { user: { name: 'virk' }, n: 1 })
    const raw = browser.cookies.get(id)!
    assert.match(raw, /^e:[\w-]+\.[\w-]{22}\.[\w-]{43}$/)
    const message = encryption.decrypt<Record<string, any>>(raw.slice(2), id)!
    assert.deepEqual(message.user, { name: 'virk' })
    assert.equal(message.n, 1)
    assert.isNull(encryption.decrypt(raw.slice(2), 'another-purpose'))
  })

  test('the data cookie holds, byte for byte, the envelope the framework would build', async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const cookies = app.manager.cookies
    const key = createHash('sha256').update(APP_KEY).digest()
    const purpose = 'a'.repeat(32)
    const plaintext = (values: Record<string, any>) => {
      const [body, iv] = cookies.encryptData(purpose, values).slice(2).split('.')
      const decipher = createDecipheriv('aes-256-cbc', key, Buffer.from(iv, 'base64url'))
      const text = decipher.update(Buffer.from(body, 'base64url')).toString()
      return text + decipher.final().toString()
    }
    const expected = (values: Record<string, any>, text: string) => {
      const { expiryDate } = JSON.parse(text)
      return JSON.stringify({ message: values, purpose, expiryDate: new Date(expiryDate) })
    }

    const samples: Record<string, any>[] = [
      {},
      { gone: undefined },
      { 2: 'b', a: 1, 1: 'a' },
      { text: 'é ☃ \u2028 "quoted"', nested: { list: [1, null, 'x'] } },
      { __expires_at__: 5, a: 1 },
      { toJSON: 'not a function' },
    ]
    for (const values of samples) {
      const text = plaintext(values)
      assert.equal(text, expected(values, text))
    }
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (values) => {
        const text = plaintext(values)
        return text === expected(values, text)
      }),
      { numRuns: 300 }
    )
  })

  test("the app's Encryption.decrypt of a data cookie gives exactly the values, and {} after a logout", async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }, defineLoginRoutes))
    const encryption = app.app.container.use('Adonis/Core/Encryption')
    const browser = new Browser(app.url)
    await browser.post('/login', { user: { id: 1, name: 'virk' }, __expires_at__: 5 })
    const id = (await browser.get('/all')).json.id
    const decrypt = () => encryption.decrypt(browser.cookies.get(id)!.slice(2), id)
    assert.deepEqual(decrypt(), { auth_user: { id: 1, name: 'virk' }, __expires_at__: 5 })
    assert.deepEqual((await browser.get('/all')).json.values, {
      auth_user: { id: 1, name: 'virk' },
      __expires_at__: 5,
    })

    const logout = await browser.post('/logout')
    assert.include(
      logout.setCookies.map((cookie) => cookie.name),
      id
    )
    assert.deepEqual(decrypt(), {})
    assert.deepEqual((await browser.get('/all')).json, { id, fresh: false, values: {} })
  })

  test('a fresh session that stores nothing sends no data cookie, even when it forgets', async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }, defineLoginRoutes))
    const browser = new Browser(app.url)
    const response = await browser.post('/logout')
    assert.deepEqual(
      response.setCookies.map((cookie) => cookie.name),
      ['adonis-session']
    )
  })

  test("the expiry is the envelope's: Encryption.decrypt refuses the cookie once age has passed", async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie', age: 1000 }))
    const encryption = app.app.container.use('Adonis/Core/Encryption')
    const { browser, id } = await startSession(app.url, { a: 1 })
    const raw = browser.cookies.get(id)!
    const envelope = JSON.parse(envelopeText(raw))
    const expiresAt = new Date(envelope.expiryDate).getTime()
    assert.deepEqual(envelope.message, { a: 1 })
    assert.closeTo(expiresAt, Date.now() + 1000, 200)
    assert.deepEqual(encryption.decrypt(raw.slice(2), id), { a: 1 })

    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 20))
    assert.isNull(encryption.decrypt(raw.slice(2), id))
    assert.deepEqual((await browser.get('/all')).json.values, {})
  }).timeout(10000)

  test('a cookie written with the __expires_at__ marker still reads, with its expiry enforced', async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const encryption = app.app.container.use('Adonis/Core/Encryption')
    const { browser, id } = await startSession(app.url, { seed: 1 })

    /**
     * As the previous version wrote it: the marker among the values, the
     * envelope's expiry with it (age 2h)
     */
    const oldCookie = (values: Record<string, any>, expiresAt: number) =>
      `e:${encryption.encrypt({ ...values, __expires_at__: expiresAt }, 7_200_000, id)}`

    browser.cookies.set(id, oldCookie({ user: 'virk' }, Date.now() + 7_200_000))
    assert.deepEqual((await browser.get('/all')).json.values, { user: 'virk' })
    await browser.post('/put', { more: 1 })
    assert.deepEqual(encryption.decrypt(browser.cookies.get(id)!.slice(2), id), {
      user: 'virk',
      more: 1,
    })

    /**
     * 6.4 re-writes such a cookie as it read it, with no expiry in the
     * envelope (a downgrade and back): the marker alone still ends it
     */
    const rewrittenBy64 = `e:${encryption.encrypt(
      { user: 'virk', __expires_at__: Date.now() - 1 },
      undefined,
      id
    )}`
    const replay = browser.clone()
    replay.cookies.set(id, rewrittenBy64)
    assert.deepEqual((await replay.get('/all')).json.values, {})
  })

  test("with a replaced Encryption, the framework's encrypt and decrypt keep the same behaviour", async ({
    assert,
  }) => {
    const replaced = new Encryption({ secret: `${APP_KEY}-replaced` })
    app = await setupApp(
      { ...base, driver: 'cookie' },
      {
        beforeBoot: (application) =>
          application.container.singleton('Adonis/Core/Encryption', () => replaced),
      }
    )
    defineSessionRoutes(app.Route)
    defineLoginRoutes(app)
    const browser = new Browser(await app.listen())
    assert.isNull(app.manager.cookies.data['cipher'])

    await browser.post('/login', { user: 'virk' })
    const id = (await browser.get('/all')).json.id
    const decrypt = () => replaced.decrypt(browser.cookies.get(id)!.slice(2), id)
    assert.deepEqual(decrypt(), { auth_user: 'virk' })
    assert.deepEqual((await browser.get('/all')).json.values, { auth_user: 'virk' })
    await browser.post('/logout')
    assert.deepEqual(decrypt(), {})

    browser.cookies.set(id, `e:${replaced.encrypt({ auth_user: 'virk' }, 1, id)}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual((await browser.get('/all')).json.values, {})
  })

  test('every data cookie gets its own IV of 16 base64url characters', async ({ assert }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const cookies = app.manager.cookies
    const ivs = new Set<string>()
    for (let index = 0; index < 1000; index++) {
      const [, iv] = cookies.encryptData('a'.repeat(32), { index }).slice(2).split('.')
      const decoded = Buffer.from(iv, 'base64url').toString()
      assert.match(decoded, /^[\w-]{16}$/)
      ivs.add(decoded)
    }
    assert.equal(ivs.size, 1000)
  })

  test("the fast path is checked against the app's Encryption and refused when they differ", async ({
    assert,
  }) => {
    ;({ app } = await boot({ driver: 'cookie' }))
    const encryption = app.app.container.use('Adonis/Core/Encryption')
    assert.isNotNull(DataCookieCipher.create(encryption, APP_KEY))
    assert.isNull(DataCookieCipher.create(encryption, `${APP_KEY}-another`))
    assert.isNull(DataCookieCipher.create(encryption, undefined))
  })
})

test.group('commit shortcut (the values of an uncontended change)', (group) => {
  const checks: { route: string; read: boolean; shortcut: any; replayed: any }[] = []
  const HOUR = 60 * 60 * 1000
  let app: TestApp
  let browser: Browser

  /**
   * The memory driver, checking at every update that the session's
   * shortcut gives what the replay gives. Nothing else writes, so the
   * replay onto what is stored is the right result.
   */
  class CheckingDriver extends MemoryDriver {
    private readValues: Record<string, any> | null = null

    constructor(private ctx: HttpContextContract) {
      super(HOUR)
    }

    public read(id: string) {
      this.readValues = super.read(id)
      return this.readValues
    }

    public applyChange(id: string, change: SessionChange) {
      const replayed = change.replay(super.read(id))
      const read = this.readValues
      let replayedInstead = false
      const offered = change.valuesOver(read, () => {
        replayedInstead = true
        return null
      })
      const shortcut = replayedInstead ? undefined : offered
      checks.push({ route: this.ctx.request.url(), read: read !== null, shortcut, replayed })
      replayed === null ? this.destroy(id) : this.write(id, replayed)
    }
  }

  group.setup(async () => {
    app = await setupApp(
      { ...base, driver: 'checking' },
      {
        beforeBoot: (application) =>
          application.container
            .use('Adonis/Addons/Session')
            .extend('checking', (_, __, ctx) => new CheckingDriver(ctx)),
      }
    )
    defineSessionRoutes(app.Route)
    browser = new Browser(await app.listen())
    return () => app.close()
  })
  group.each.setup(() => {
    checks.length = 0
  })

  const requests = fc.constantFrom(
    () => browser.post('/put', { a: 1, cart: { items: ['x'], count: 1 } }),
    () => browser.post('/put', { 'b': 'two', 'd.e': 3 }),
    () => browser.get('/increment/a'),
    () => browser.get('/increment/cart.count?by=2'),
    () => browser.get('/decrement/counter'),
    () => browser.get('/forget/a'),
    () => browser.get('/pull/cart'),
    () => browser.get('/clear'),
    () => browser.get('/nested'),
    () => browser.get('/flash/notice/saved'),
    () => browser.post('/flash', { errors: { title: 'required' }, notice: 'again' }),
    () => browser.post('/flash-all', { title: 'Hello', password: 'secret' }),
    () => browser.get('/reflash'),
    () => browser.get('/reflash-only'),
    () => browser.get('/reflash-except'),
    () => browser.get('/flash-messages'),
    () => browser.get('/all')
  )

  test('gives what replaying the request changes gives, for any sequence of requests', async ({
    assert,
  }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: 8 }), async (sequence) => {
        browser.cookies.clear()
        await browser.post('/put', { start: true })
        for (const send of sequence) {
          const response = await send()
          assert.isBelow(response.status, 400, errorMessage(response))
        }
      }),
      { numRuns: 40 }
    )
    const afterRead = checks.filter((check) => check.read)
    assert.isAbove(afterRead.length, 40)
    for (const { route, shortcut, replayed } of afterRead) {
      assert.notStrictEqual(shortcut, undefined, `no shortcut for ${route}`)
      assert.deepEqual(shortcut, replayed, route)
    }
  })

  test('is not taken over flash messages a request drops without a change', async ({ assert }) => {
    const { browser: visitor, id } = await startSession(app.url, { kept: true })
    new MemoryDriver(HOUR).write(id, { kept: true, __flash__: 'not an object' })
    checks.length = 0
    assert.equal((await visitor.get('/increment/counter')).status, 200)
    assert.lengthOf(checks, 1)
    assert.isUndefined(checks[0].shortcut)
    assert.deepEqual(new MemoryDriver(HOUR).read(id), {
      kept: true,
      __flash__: 'not an object',
      counter: 1,
    })
  })
})
