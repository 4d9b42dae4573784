/*
 * @adonisjs/session
 *
 * Oversized input and oversized sessions: a flashed form value over
 * `flashInputLimit` is left out with a warning, and a payload over
 * `maxPayloadSize` fails the write with E_SESSION_PAYLOAD_TOO_LARGE in the
 * file, redis and memory drivers, leaving the stored session as it was.
 */

import { test } from '@japa/runner'
import { join } from 'path'
import { remove } from 'fs-extra'
import { setupApp, tmpPath, SESSION_DEFAULTS, TestApp } from './helpers/app'
import { Browser, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { captureLogs, warnings } from './helpers/logs'
import { redisConnections } from './helpers/redis'

const JSON_HEADERS = { accept: 'application/json' }

test.group('oversized input: flashed values over flashInputLimit', (group) => {
  let app: TestApp
  let logs: any[]

  group.each.setup(async () => {
    logs = []
    app = await setupApp(
      { ...SESSION_DEFAULTS, driver: 'memory', flashInputLimit: '1kb' },
      { beforeBoot: (application) => captureLogs(application, logs) }
    )
    defineSessionRoutes(app.Route)
    await app.listen()
    return () => app.close()
  })

  test('values over the limit are left out at any depth, with a warning each', async ({
    assert,
  }) => {
    const browser = new Browser(app.url)
    const form = {
      name: 'virk',
      bio: 'x'.repeat(1100),
      user: { email: 'virk@adonisjs.com', note: 'y'.repeat(2000) },
      tags: ['a', 'b'],
    }
    assert.equal((await browser.post('/flash-all', form)).status, 200)
    const flashed = (await browser.get('/flash-messages')).json.all
    assert.deepEqual(flashed, {
      name: 'virk',
      user: { email: 'virk@adonisjs.com' },
      tags: ['a', 'b'],
    })
    assert.deepEqual(warnings(logs), [
      'not flashing input "bio": 1102 bytes, over flashInputLimit (1024 bytes)',
      'not flashing input "user.note": 2002 bytes, over flashInputLimit (1024 bytes)',
    ])
  })
})

type DriverCase = { config: Record<string, any>; options?: Record<string, any> }

const drivers: Record<string, () => DriverCase> = {
  file: () => ({ config: { driver: 'file', file: { location: tmpPath('oversized') } } }),
  redis: () => ({
    config: { driver: 'redis', redisConnection: 'local' },
    options: { providers: ['@adonisjs/redis'], redis: redisConnections },
  }),
  memory: () => ({ config: { driver: 'memory' } }),
}

for (const [driver, make] of Object.entries(drivers)) {
  test.group(`oversized input: a session over maxPayloadSize (${driver} driver)`, (group) => {
    let app: TestApp
    let location: string | undefined

    group.each.setup(async () => {
      const { config, options } = make()
      location = config.file?.location
      app = await setupApp({ ...SESSION_DEFAULTS, ...config, maxPayloadSize: 2000 }, options)
      defineSessionRoutes(app.Route)
      await app.listen()
      return async () => {
        await app.close()
        if (location) {
          await remove(join(location))
        }
      }
    })

    test('the write fails with E_SESSION_PAYLOAD_TOO_LARGE and the session stays', async ({
      assert,
    }) => {
      const browser = new Browser(app.url)
      assert.equal((await browser.post('/put', { kept: 'yes' })).status, 200)
      const id = (await browser.get('/all')).json.id as string

      const refused = await browser.post('/put', { big: 'x'.repeat(2500) }, JSON_HEADERS)
      assert.equal(refused.status, 500, refused.text)
      const size = /would store (\d+) bytes/.exec(errorMessage(refused))
      assert.isAbove(Number(size && size[1]), 2500)
      assert.equal(
        errorMessage(refused),
        `E_SESSION_PAYLOAD_TOO_LARGE: Session "${id.slice(0, 6)}…" would store ${
          size![1]
        } bytes in the ${driver} driver, over maxPayloadSize (2000 bytes). Store less in the session, or raise "maxPayloadSize" inside "config/session" file`
      )
      assert.deepEqual((await browser.get('/all')).json.values, { kept: 'yes' })
      assert.equal((await browser.post('/put', { small: 'x'.repeat(500) })).status, 200)
    })
  })
}
