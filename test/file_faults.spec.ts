/*
 * @adonisjs/session
 *
 * Faults around the file driver's lock: a writer in another process frozen
 * (SIGSTOP) or stalled in the kernel on its write (strace delaying the
 * system call) while it holds a session's lock, a write landing while the
 * session is destroyed, and what other local users can read. A lock is
 * taken over only once its holder is provably gone, never by its age.
 */

import { test } from '@japa/runner'
import { join } from 'path'
import { promises as fs } from 'fs'
import { fork, ChildProcess } from 'child_process'
import { pathExists, remove } from 'fs-extra'
import { setupApp, tmpPath, SESSION_DEFAULTS, TestApp } from './helpers/app'
import { Browser, errorMessage } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { readSessionFile } from './helpers/file_app'
import { bounded } from './helpers/redis_server'
import { Child, startChild, stopChild } from './helpers/child_server'
import { stallWrites, Stall } from './helpers/strace'

const HOLDER_SCRIPT = join(__dirname, 'helpers', 'lock_holder.ts')
const LOCK_TIMEOUT_MS = 1000
const JSON_HEADERS = { accept: 'application/json' }

/**
 * A process holding the lock file; resolves once it holds it
 */
async function startHolder(lock: string, file: string): Promise<ChildProcess> {
  const child = fork(HOLDER_SCRIPT, [lock, file], {
    execArgv: ['-r', '@adonisjs/require-ts/build/register'],
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const locked = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)))
  })
  await bounded(locked, 30000, 'starting the lock holder')
  return child
}

/**
 * Stop the holder by its PID and wait until it is gone
 */
async function killHolder(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return
  }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await bounded(exited, 5000, 'killing the lock holder')
}

/**
 * A listening app on the file driver that waits LOCK_TIMEOUT_MS for a lock,
 * without background sweeps
 */
async function lockTimeoutApp(location: string): Promise<TestApp> {
  const app = await setupApp({
    ...SESSION_DEFAULTS,
    driver: 'file',
    gcProbability: 0,
    file: { location, lockTimeout: LOCK_TIMEOUT_MS },
  })
  defineSessionRoutes(app.Route)
  await app.listen()
  return app
}

test.group('file driver: a writer frozen while holding the lock', (group) => {
  let location: string
  let app: TestApp
  let browser: Browser
  let holder: ChildProcess | null = null

  group.each.setup(async () => {
    location = join(tmpPath('file-faults'), 'sessions')
    app = await lockTimeoutApp(location)
    browser = new Browser(app.url)
    return async () => {
      if (holder) {
        await killHolder(holder)
        holder = null
      }
      await app.close()
      await remove(join(location, '..'))
    }
  })

  async function sessionOf(values: Record<string, any>) {
    await browser.post('/put', values)
    const id = (await browser.get('/all')).json.id as string
    const file = join(location, `${id}.txt`)
    const lock = join(location, `${id}.lock`)
    return { id, file, lock }
  }

  test('a frozen holder keeps its lock however old; once its process is gone it is taken over', async ({
    assert,
  }) => {
    const { id, file, lock } = await sessionOf({ a: 1 })
    holder = await startHolder(lock, file)
    holder.kill('SIGSTOP')

    /**
     * Older than any age rule: only the holder's process decides
     */
    const past = new Date(Date.now() - 10 * 60_000)
    await fs.utimes(lock, past, past)

    const refused = await browser.post('/put', { b: 2 }, JSON_HEADERS)
    assert.equal(refused.status, 503, refused.text)
    assert.equal(
      errorMessage(refused),
      `E_SESSION_STORE_UNAVAILABLE: Session store (file driver) is unavailable: session file is locked by another request for over ${LOCK_TIMEOUT_MS}ms (${location}/${id.slice(
        0,
        6
      )}….lock)`
    )
    assert.isTrue(await pathExists(lock))
    assert.deepEqual((await readSessionFile(location, id)).message, { a: 1 })

    await killHolder(holder)
    holder = null
    const startedAt = Date.now()
    const taken = await browser.post('/put', { b: 2 }, JSON_HEADERS)
    assert.equal(taken.status, 200, taken.text)
    assert.isBelow(Date.now() - startedAt, LOCK_TIMEOUT_MS)
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1, b: 2 })
  }).timeout(60000)

  test('destroying a session waits for a write in flight, which cannot bring it back', async ({
    assert,
  }) => {
    const { id, file, lock } = await sessionOf({ user: 'old' })
    holder = await startHolder(lock, file)

    const regenerated = browser.get('/regenerate', JSON_HEADERS)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.isTrue(await pathExists(file))

    const landed = new Promise((resolve) => holder!.once('message', resolve))
    const old = await fs.readFile(file, 'utf-8')
    holder.send({ land: old.replace('"old"', '"written in flight"') })
    await bounded(landed, 5000, 'landing the write in flight')

    const response = await regenerated
    assert.equal(response.status, 200, response.text)
    assert.notEqual(response.json.id, id)
    assert.isFalse(await pathExists(file))
    assert.isFalse(await pathExists(lock))
    assert.deepEqual((await browser.get('/all')).json.values, { user: 'old' })
  }).timeout(60000)

  test('the store directory the package creates is 0700 and session files 0600', async ({
    assert,
  }) => {
    const { file } = await sessionOf({ a: 1 })
    assert.equal((await fs.stat(location)).mode & 0o777, 0o700)
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600)

    /**
     * A session that grows past its file is written whole and renamed over it
     */
    await browser.post('/put', { b: 'x'.repeat(5000) })
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600)
  })
})

test.group('file driver: a disk write stalled in the kernel while holding the lock', (group) => {
  const STALL_MS = 5000
  let location: string
  let app: TestApp
  let child: Child
  let stall: Stall | null = null

  group.each.setup(async () => {
    location = join(tmpPath('file-stall'), 'sessions')
    const started = startChild('file_server.ts', [location])
    app = await lockTimeoutApp(location)
    child = await started
    return async () => {
      await stall?.stop()
      stall = null
      await stopChild(child.process)
      await remove(child.appRoot)
      await app.close()
      await remove(join(location, '..'))
    }
  })

  async function waitForPath(path: string) {
    const deadline = Date.now() + 3000
    while (!(await pathExists(path))) {
      if (Date.now() > deadline) {
        throw new Error(`${path} did not appear within 3s`)
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  test('the stalled writer keeps its lock; the other process answers 503 and reads the whole old session', async ({
    assert,
  }) => {
    const here = new Browser(app.url)
    await here.post('/put', { a: 1 })
    const id = (await here.get('/all')).json.id as string
    const file = join(location, `${id}.txt`)
    const lock = join(location, `${id}.lock`)
    const there = here.clone()
    there.baseUrl = child.url

    /**
     * The child's worker thread exists once it served a session
     */
    assert.deepEqual((await there.get('/all')).json.values, { a: 1 })
    stall = await stallWrites(child.process.pid!, file, STALL_MS)

    const startedAt = Date.now()
    const stalledWrite = there.post('/put', { b: 2 }, JSON_HEADERS)
    await waitForPath(lock)

    const refused = await here.post('/put', { c: 3 }, JSON_HEADERS)
    assert.equal(refused.status, 503, refused.text)
    assert.match(errorMessage(refused), /locked by another request for over 1000ms/)
    assert.deepEqual((await here.get('/all')).json.values, { a: 1 })
    assert.isTrue(await pathExists(lock))

    const written = await stalledWrite
    assert.equal(written.status, 200, written.text)
    assert.isAtLeast(Date.now() - startedAt, STALL_MS - 100)
    assert.isAtLeast(stall.stalled(), 1)
    await stall.stop()
    stall = null

    assert.deepEqual((await readSessionFile(location, id)).message, { a: 1, b: 2 })
    const retried = await here.post('/put', { c: 3 }, JSON_HEADERS)
    assert.equal(retried.status, 200, retried.text)
    assert.deepEqual((await here.get('/all')).json.values, { a: 1, b: 2, c: 3 })
    assert.isFalse(await pathExists(lock))
  }).timeout(60000)
})
