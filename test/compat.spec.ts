/*
 * @adonisjs/session
 *
 * Upgrading logs no one out: sessions written by 6.4 (its id cookie, its
 * encrypted data cookie, its file and Redis payloads) are read by ours
 * after the swap. Each case writes with the original 6.4 provider, closes
 * that app, boots ours on the same store and replays the browser's cookies.
 */

import { join } from 'path'
import { promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { setupApp, tmpPath, TestApp } from './helpers/app'
import { Browser } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { readSessionFile } from './helpers/file_app'
import { redisClient, redisConnections } from './helpers/redis'

const ORIGINAL_PROVIDER = join(
  __dirname,
  '..',
  'node_modules/session-original/build/providers/SessionProvider'
)

/**
 * The cuids 6.4 generates
 */
const CUID = /^c[a-z0-9]{20,31}$/

type Store = {
  config: Record<string, any>
  options: Record<string, any>
  /**
   * The payload the store holds for an id, parsed, or null
   */
  peek(id: string): Promise<{ message: Record<string, any>; purpose: string } | null>
  cleanup(ids: string[]): Promise<void>
}

/**
 * Same appKey (setupApp), same cookie options, same string age in both
 */
const base = {
  enabled: true,
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  cookie: { path: '/', httpOnly: true, sameSite: false },
}

function cookieStore(): Store {
  return {
    config: { ...base, driver: 'cookie' },
    options: {},
    async peek() {
      return null
    },
    async cleanup() {},
  }
}

function fileStore(): Store {
  const location = tmpPath('compat-sessions')
  return {
    config: { ...base, driver: 'file', file: { location } },
    options: {},
    peek: (id) => readSessionFile(location, id),
    async cleanup() {
      await remove(location)
    },
  }
}

function redisStore(): Store {
  return {
    config: { ...base, driver: 'redis', redisConnection: 'local' },
    options: { providers: ['@adonisjs/redis'], redis: redisConnections },
    async peek(id) {
      const redis = redisClient()
      try {
        const raw = await redis.get(id)
        return raw ? JSON.parse(raw) : null
      } finally {
        await redis.quit()
      }
    },
    async cleanup(ids) {
      const redis = redisClient()
      try {
        await redis.del(...ids)
      } finally {
        await redis.quit()
      }
    },
  }
}

async function boot(store: Store, provider?: string): Promise<TestApp> {
  const app = await setupApp(store.config, { ...store.options, sessionProvider: provider })
  defineSessionRoutes(app.Route)
  await app.listen()
  return app
}

const stores: Record<string, () => Store> = {
  cookie: cookieStore,
  file: fileStore,
  redis: redisStore,
}

test.group('upgrade from 6.4: sessions written by 6.4 are read after the swap', () => {
  for (const [driver, makeStore] of Object.entries(stores)) {
    test(`${driver} driver: values and flash messages survive the swap`, async ({
      assert,
      cleanup,
    }) => {
      const store = makeStore()
      const ids: string[] = []
      const opened: TestApp[] = []
      cleanup(async () => {
        for (const app of opened) {
          await app.close().catch(() => {})
        }
        await store.cleanup(ids.length ? ids : ['none'])
      })

      /**
       * 6.4 writes: values, an increment and a flash message
       */
      const original = await boot(store, ORIGINAL_PROVIDER)
      opened.push(original)
      const browser = new Browser(original.url)
      await browser.post('/put', { user: 'virk', cart: { total: 10 } })
      await browser.get('/increment/visits')
      await browser.post('/flash', { notice: 'Saved', errors: { title: 'Title is required' } })

      const oldId = browser.cookies.get('adonis-session')!
      assert.match(oldId, /^s:/)
      const legacyId = original.app.container
        .use('Adonis/Core/Encryption')
        .verifier.unsign(oldId.slice(2), 'adonis-session') as string
      assert.match(legacyId, CUID)
      ids.push(legacyId)

      if (driver === 'cookie') {
        assert.match(browser.cookies.get(legacyId)!, /^e:/)
      } else {
        const stored = await store.peek(legacyId)
        assert.equal(stored!.purpose, legacyId)
        assert.deepEqual(stored!.message.user, 'virk')
      }

      await original.close()
      opened.pop()

      /**
       * Ours reads what 6.4 wrote, with the same cookies
       */
      const ours = await boot(store)
      opened.push(ours)
      browser.baseUrl = ours.url

      const flash = await browser.get('/flash-messages')
      assert.equal(flash.status, 200)
      assert.deepEqual(flash.json, {
        all: { notice: 'Saved', errors: { title: 'Title is required' } },
        isEmpty: false,
      })

      const all = await browser.get('/all')
      assert.equal(all.status, 200)
      assert.equal(all.json.id, legacyId)
      assert.isFalse(all.json.fresh)
      assert.deepEqual(all.json.values, { user: 'virk', cart: { total: 10 }, visits: 1 })
      assert.deepEqual((await browser.get('/flash-messages')).json, { all: {}, isEmpty: true })

      /**
       * The next write by ours is read again, under the same id
       */
      await browser.get('/increment/visits')
      await browser.post('/flash', { notice: 'Updated' })
      assert.deepEqual((await browser.get('/flash-messages')).json.all, { notice: 'Updated' })
      const after = await browser.get('/all')
      assert.equal(after.json.id, legacyId)
      assert.deepEqual(after.json.values, { user: 'virk', cart: { total: 10 }, visits: 2 })
      if (driver !== 'cookie') {
        const stored = await store.peek(legacyId)
        assert.equal(stored!.purpose, legacyId)
        assert.deepEqual(stored!.message, { user: 'virk', cart: { total: 10 }, visits: 2 })
      }

      /**
       * Regenerating moves the legacy session to an id of ours
       */
      const regenerated = await browser.get('/regenerate')
      assert.match(regenerated.json.id, /^[A-Za-z0-9_-]{32}$/)
      ids.push(regenerated.json.id)
      const moved = await browser.get('/all')
      assert.equal(moved.json.id, regenerated.json.id)
      assert.deepEqual(moved.json.values, { user: 'virk', cart: { total: 10 }, visits: 2 })
      if (driver !== 'cookie') {
        assert.isNull(await store.peek(legacyId))
      }
    }).timeout(30000)
  }

  test('file driver: the empty records 6.4 left behind read as empty sessions', async ({
    assert,
    cleanup,
  }) => {
    /**
     * 6.4 created a file on every read of an unknown id (ensureFile), then
     * wrote the empty values into it at commit
     */
    const store = fileStore()
    cleanup(() => store.cleanup([]))
    const original = await boot(store, ORIGINAL_PROVIDER)
    cleanup(() => original.close().catch(() => {}))
    const browser = new Browser(original.url)
    const legacyId = (await browser.get('/all')).json.id
    assert.match(legacyId, CUID)
    assert.deepEqual((await store.peek(legacyId))!.message, {})

    /**
     * A second browser whose 6.4 request died between read and commit: an
     * empty file
     */
    const crashed = new Browser(original.url)
    const crashedId = (await crashed.get('/all')).json.id
    await fs.writeFile(join(store.config.file.location, `${crashedId}.txt`), '')
    await original.close()

    const ours = await boot(store)
    cleanup(() => ours.close())
    for (const [client, id] of [
      [browser, legacyId],
      [crashed, crashedId],
    ] as const) {
      client.baseUrl = ours.url
      const all = await client.get('/all')
      assert.equal(all.status, 200)
      assert.deepEqual(all.json, { id, fresh: false, values: {} })
      await client.post('/put', { user: 'virk' })
      assert.deepEqual((await client.get('/all')).json, {
        id,
        fresh: false,
        values: { user: 'virk' },
      })
    }
  }).timeout(30000)
})
