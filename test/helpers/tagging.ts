/*
 * @adonisjs/session
 *
 * The session tag cases, the same for every server-side driver: tag, list,
 * destroy one, destroy all but the current one, concurrency, regenerate,
 * expiry, and the same across two processes, through real HTTP round trips
 */

import { test } from '@japa/runner'
import { TestApp } from './app'
import { Browser, failures } from './browser'

export type TaggingHarness = {
  /**
   * The running app (its routes include defineSessionRoutes)
   */
  app(): TestApp
  /**
   * Make a stored session older than `age`, as the store sees it
   */
  expire(app: TestApp, sessionId: string): Promise<void>
  /**
   * The ids the driver's index holds for a user
   */
  indexed(app: TestApp, userId: string): Promise<string[]>
}

/**
 * A browser signed in as `user`: it holds a value and its session is tagged
 */
export async function signedIn(url: string, user: string) {
  const browser = new Browser(url)
  await browser.post('/put', { auth_web: user })
  const response = await browser.get(`/tag/${user}`, { 'user-agent': `agent of ${user}` })
  return { browser, id: response.json.id as string }
}

/**
 * A user id no other test uses, so that specs sharing a store stay apart
 */
function newUser() {
  return `user-${Math.random().toString(36).slice(2, 10)}`
}

export function taggingCases(harness: TaggingHarness) {
  const sessions = () => harness.app().manager.sessions()
  const url = () => harness.app().url

  test('a tagged session is listed with its creation, activity, IP and user agent', async ({
    assert,
  }) => {
    const user = newUser()
    const before = Date.now()
    const { id } = await signedIn(url(), user)
    const listed = await sessions().tagged(user)
    assert.lengthOf(listed, 1)
    assert.equal(listed[0].id, id)
    assert.equal(listed[0].userId, user)
    assert.equal(listed[0].ip, '127.0.0.1')
    assert.equal(listed[0].userAgent, `agent of ${user}`)
    assert.isAtLeast(listed[0].createdAt.getTime(), before)
    assert.isAtLeast(listed[0].lastActiveAt.getTime(), listed[0].createdAt.getTime())
    assert.isTrue(sessions().supportsTagging())
    assert.deepEqual(await sessions().tagged(newUser()), [])
  })

  test('numbers and strings name the same user', async ({ assert }) => {
    const browser = new Browser(url())
    await browser.post('/put', { cart: 1 })
    const id = (await browser.get('/tag/4242')).json.id
    assert.deepEqual(
      (await sessions().tagged(4242)).map((session) => session.id),
      [id]
    )
    await sessions().destroy(id)
  })

  test('destroy ends one session: its replayed cookie reads an empty session', async ({
    assert,
  }) => {
    const user = newUser()
    const first = await signedIn(url(), user)
    const second = await signedIn(url(), user)
    const replay = second.browser.clone()
    await sessions().destroy(second.id)

    assert.deepEqual(
      (await sessions().tagged(user)).map((session) => session.id),
      [first.id]
    )
    assert.deepEqual(await harness.indexed(harness.app(), user), [first.id])
    const replayed = await replay.get('/all')
    assert.deepEqual(replayed.json.values, {})
    assert.deepEqual((await first.browser.get('/all')).json.values, { auth_web: user })
  })

  test('destroyTagged ends every session of the user but the current one', async ({ assert }) => {
    const user = newUser()
    const other = newUser()
    const devices = [await signedIn(url(), user), await signedIn(url(), user)]
    const current = await signedIn(url(), user)
    const someoneElse = await signedIn(url(), other)

    assert.equal(await sessions().destroyTagged(user, { except: current.id }), 2)
    assert.deepEqual(
      (await sessions().tagged(user)).map((session) => session.id),
      [current.id]
    )
    for (const device of devices) {
      assert.deepEqual((await device.browser.get('/all')).json.values, {})
    }
    assert.deepEqual((await current.browser.get('/all')).json.values, { auth_web: user })
    assert.lengthOf(await sessions().tagged(other), 1)

    assert.equal(await sessions().destroyTagged(user), 1)
    assert.deepEqual(await sessions().tagged(user), [])
    assert.deepEqual(await harness.indexed(harness.app(), user), [])
    assert.deepEqual((await someoneElse.browser.get('/all')).json.values, { auth_web: other })
  })

  test('untag, emptying and re-tagging with another user leave the index', async ({ assert }) => {
    const user = newUser()
    const untagged = await signedIn(url(), user)
    const emptied = await signedIn(url(), user)
    const moved = await signedIn(url(), user)
    const next = newUser()
    await untagged.browser.get('/untag')
    await emptied.browser.get('/clear')
    await moved.browser.get(`/tag/${next}`)

    assert.deepEqual(await sessions().tagged(user), [])
    assert.deepEqual(await harness.indexed(harness.app(), user), [])
    assert.deepEqual(
      (await sessions().tagged(next)).map((session) => session.id),
      [moved.id]
    )
    assert.deepEqual((await untagged.browser.get('/all')).json.values, { auth_web: user })
  })

  test('regenerate keeps the tag on the new id and drops the old id', async ({ assert }) => {
    const user = newUser()
    const { browser, id } = await signedIn(url(), user)
    const [listed] = await sessions().tagged(user)
    const regenerated = (await browser.get('/regenerate')).json.id
    assert.notEqual(regenerated, id)

    const after = await sessions().tagged(user)
    assert.deepEqual(
      after.map((session) => session.id),
      [regenerated]
    )
    assert.deepEqual(await harness.indexed(harness.app(), user), [regenerated])
    assert.equal(after[0].createdAt.getTime(), listed.createdAt.getTime())
    assert.equal(after[0].userAgent, `agent of ${user}`)
  })

  test('50 concurrent requests tagging and writing one session lose nothing', async ({
    assert,
  }) => {
    const user = newUser()
    const browser = new Browser(url())
    const id = (await browser.get('/all')).json.id
    await browser.post('/put', { hits: 0 })
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        index % 2
          ? browser.clone().get(`/tag/${user}?count=1`)
          : browser.clone().get('/increment/hits')
      )
    )
    assert.deepEqual(failures(responses), [])
    assert.deepEqual((await browser.get('/get/hits')).json, { value: 50 })
    assert.deepEqual(
      (await sessions().tagged(user)).map((session) => session.id),
      [id]
    )
  }).timeout(30000)

  test('an expired session is never listed and leaves the index on listing', async ({ assert }) => {
    const user = newUser()
    const kept = await signedIn(url(), user)
    const expired = await signedIn(url(), user)
    await harness.expire(harness.app(), expired.id)

    assert.deepEqual(
      (await sessions().tagged(user)).map((session) => session.id),
      [kept.id]
    )
    assert.deepEqual(await harness.indexed(harness.app(), user), [kept.id])
  })

  test('a request that changes nothing does not store the last activity again', async ({
    assert,
  }) => {
    const user = newUser()
    const { browser } = await signedIn(url(), user)
    const [before] = await sessions().tagged(user)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await browser.get('/all')
    const [after] = await sessions().tagged(user)
    assert.equal(after.lastActiveAt.getTime(), before.lastActiveAt.getTime())

    await browser.post('/put', { more: true })
    const [written] = await sessions().tagged(user)
    assert.isAbove(written.lastActiveAt.getTime(), before.lastActiveAt.getTime())
  })
}

export type TwoProcessHarness = {
  /**
   * The app of this process (its routes include defineSessionRoutes)
   */
  app(): TestApp
  /**
   * Where the second process, on the same store, listens
   */
  otherUrl(): string
  /**
   * The ids the driver's index holds for a user
   */
  indexed(app: TestApp, userId: string): Promise<string[]>
  /**
   * The user id the store keeps beside the payload (the database driver's
   * user_id column), for drivers that keep one
   */
  storedUserId?(sessionId: string): Promise<string | null>
}

/**
 * The tag cases of two processes on one store, the same for every
 * server-side driver that can be shared by processes
 */
export function twoProcessTaggingCases(harness: TwoProcessHarness) {
  const sessions = () => harness.app().manager.sessions()

  /**
   * A browser with the cookies of `browser`, sending to `url`
   */
  function sendingTo(browser: Browser, url: string) {
    const client = browser.clone()
    client.baseUrl = url
    return client
  }

  test('sessions tagged at once from both processes are all listed and in the index', async ({
    assert,
  }) => {
    const urls = [harness.app().url, harness.otherUrl()]
    const devices = await Promise.all(
      Array.from({ length: 20 }, (_, index) => signedIn(urls[index % 2], 'two-processes'))
    )
    const ids = devices.map((device) => device.id).sort()
    const listed = await sessions().tagged('two-processes')
    assert.deepEqual(listed.map((session) => session.id).sort(), ids)
    assert.deepEqual(await harness.indexed(harness.app(), 'two-processes'), ids)

    const ended = await sessions().destroyTagged('two-processes', { except: devices[0].id })
    assert.equal(ended, 19)
    const other = sendingTo(devices[1].browser, harness.otherUrl())
    assert.deepEqual((await other.get('/all')).json.values, {})
    assert.deepEqual(await harness.indexed(harness.app(), 'two-processes'), [devices[0].id])
  }).timeout(60000)

  test('one session tagged and written by both processes at once', async ({ assert }) => {
    const browser = new Browser(harness.app().url)
    await browser.post('/put', { hits: 0 })
    const id = (await browser.get('/all')).json.id
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) => {
        const client = sendingTo(browser, index % 2 ? harness.otherUrl() : harness.app().url)
        return client.get(`/tag/${index % 4 < 2 ? 'first' : 'second'}?count=1`)
      })
    )
    assert.deepEqual(failures(responses), [])
    assert.deepEqual((await browser.get('/get/hits')).json, { value: 40 })
    const owners = [...(await sessions().tagged('first')), ...(await sessions().tagged('second'))]
    assert.deepEqual(
      owners.map((session) => session.id),
      [id]
    )
    if (harness.storedUserId) {
      assert.equal(await harness.storedUserId(id), owners[0].userId)
    }
  }).timeout(60000)
}
