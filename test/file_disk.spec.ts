/*
 * @adonisjs/session
 *
 * The file driver on a full and on a read-only disk: a real tmpfs of 64 KiB
 * mounted for the test (needs root, as in CI)
 */

import { join } from 'path'
import { execFileSync } from 'child_process'
import { promises as fs } from 'fs'
import { test } from '@japa/runner'
import { setupApp, TestApp, tmpPath, SESSION_DEFAULTS } from './helpers/app'
import { Browser, errorMessage } from './helpers/browser'

const base = { ...SESSION_DEFAULTS, driver: 'file', gcProbability: 0 }

test.group('file driver on a failing disk', (group) => {
  let app: TestApp
  let mountPoint: string

  group.each.setup(async () => {
    mountPoint = tmpPath('disk')
    await fs.mkdir(mountPoint, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint])
    } catch (error) {
      throw new Error(`mounting a tmpfs for the disk tests needs root: ${error.message}`)
    }
    app = await setupApp({ ...base, file: { location: join(mountPoint, 'sessions') } })
    app.Route.post('/put', ({ session, request }) => {
      session.put('value', request.input('value'))
      return 'ok'
    })
    app.Route.get('/value', ({ session }) => session.get('value', 'none'))
    await app.listen()
    return async () => {
      await app.close()
      execFileSync('umount', [mountPoint])
      await fs.rm(mountPoint, { recursive: true, force: true })
    }
  })

  async function sessionFile(browser: Browser) {
    const signed = browser.cookies.get('adonis-session')!
    const id = app.manager.cookies.unsignValue(signed)
    return fs.readFile(join(mountPoint, 'sessions', `${id}.txt`), 'utf-8')
  }

  test('a full disk fails with a clear error and keeps the previous file', async ({ assert }) => {
    const browser = new Browser(app.url)
    await browser.post('/put', { value: 'before' })
    const before = await sessionFile(browser)

    await fs.writeFile(join(mountPoint, 'filler'), Buffer.alloc(60 * 1024)).catch(() => {})
    const response = await browser.post(
      '/put',
      { value: 'x'.repeat(16 * 1024) },
      { accept: 'application/json' }
    )
    assert.equal(response.status, 503)
    assert.match(
      errorMessage(response),
      /^E_SESSION_STORE_UNAVAILABLE: Session store \(file driver\) is unavailable: ENOSPC: no space left on device/
    )
    assert.equal(await sessionFile(browser), before)
    assert.deepEqual(
      (await fs.readdir(join(mountPoint, 'sessions'))).filter((name) => name.endsWith('.lock')),
      []
    )

    await fs.rm(join(mountPoint, 'filler'))
    assert.equal((await browser.get('/value')).text, 'before')
  })

  test('a read-only disk fails with a clear error and keeps the previous file', async ({
    assert,
  }) => {
    const browser = new Browser(app.url)
    await browser.post('/put', { value: 'before' })
    const before = await sessionFile(browser)

    execFileSync('mount', ['-o', 'remount,ro', mountPoint])
    try {
      const response = await browser.post(
        '/put',
        { value: 'after' },
        { accept: 'application/json' }
      )
      assert.equal(response.status, 503)
      assert.match(
        errorMessage(response),
        /^E_SESSION_STORE_UNAVAILABLE: Session store \(file driver\) is unavailable: EROFS: read-only file system/
      )
      assert.equal((await browser.get('/value')).text, 'before')
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint])
    }
    assert.equal(await sessionFile(browser), before)
  })
})
