/*
 * @adonisjs/session
 *
 * The file driver with 2 processes writing one session: two real servers,
 * in two OS processes, share one session directory. Concurrent increments
 * of one session through both must all count.
 */

import { join } from 'path'
import { fork, ChildProcess } from 'child_process'
import { promises as fs } from 'fs'
import { remove } from 'fs-extra'
import { test } from '@japa/runner'
import { tmpPath, TestApp } from './helpers/app'
import { Browser, failures, startSession } from './helpers/browser'
import { fileApp } from './helpers/file_app'
import { isSealed, unseal } from '../src/Drivers/fileFormat'
import { SessionFileLock } from '../src/Drivers/fileLock'

const SERVER_SCRIPT = join(__dirname, 'helpers', 'file_server.ts')

type Child = { process: ChildProcess; url: string; appRoot: string }

/**
 * Fork the second server and wait for its URL
 */
function startChild(location: string): Promise<Child> {
  const child = fork(SERVER_SCRIPT, [location], {
    execArgv: ['-r', '@adonisjs/require-ts/build/register'],
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('second server did not start in 30s')), 30000)
    child.once('message', (message: any) => {
      clearTimeout(timer)
      resolve({ process: child, url: message.url, appRoot: message.appRoot })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`second server exited with code ${code}`))
    })
  })
}

/**
 * Stop the child by its PID: SIGTERM, then SIGKILL if it lingers
 */
async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return
  }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid!, 'SIGTERM')
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGKILL')
    }
  }, 5000)
  await exited
  clearTimeout(timer)
}

test.group('file driver: two processes writing one session', (group) => {
  let location: string
  let app: TestApp
  let child: Child

  group.setup(async () => {
    location = tmpPath('shared-sessions')
    const started = startChild(location)
    app = await fileApp(location)
    child = await started

    return async () => {
      await stopChild(child.process)
      await remove(child.appRoot)
      await app.close()
      await remove(location)
    }
  })

  test('the second server is another OS process on the same directory', async ({ assert }) => {
    assert.notEqual(child.process.pid, process.pid)
    assert.notEqual(child.url, app.url)

    const browser = new Browser(app.url)
    await browser.post('/put', { user: 'virk' })
    browser.baseUrl = child.url
    const read = await browser.get('/all')
    assert.deepEqual(read.json.values, { user: 'virk' })
    await browser.post('/put', { written: 'by child' })
    browser.baseUrl = app.url
    assert.deepEqual((await browser.get('/all')).json.values, { user: 'virk', written: 'by child' })
  }).timeout(30000)

  test('200 concurrent increments split over both processes all count', async ({ assert }) => {
    const browser = new Browser(app.url)
    await browser.get('/increment/hits')
    const id = (await browser.get('/all')).json.id as string

    /**
     * 4 clients per server, each holding the same cookies
     */
    const clients = [app.url, child.url].flatMap((url) =>
      [1, 2, 3, 4].map(() => {
        const client = browser.clone()
        client.baseUrl = url
        return client
      })
    )
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        clients[index % clients.length].get('/increment/hits')
      )
    )
    assert.deepEqual(failures(responses), [])

    assert.equal((await browser.get('/get/hits')).json.value, 201)
    browser.baseUrl = child.url
    assert.equal((await browser.get('/get/hits')).json.value, 201)

    const raw = await fs.readFile(join(location, `${id}.txt`), 'utf-8')
    const { check, ...stored } = JSON.parse(unseal(raw) || 'null')
    assert.isString(check)
    assert.deepEqual(stored, { message: { hits: 201 }, purpose: id })
    const leftovers = (await fs.readdir(location)).filter((name) => name !== `${id}.txt`)
    assert.isTrue(
      leftovers.every((name) => name.endsWith('.txt')),
      leftovers.join(', ')
    )
  }).timeout(60000)

  test('reads in one process while the other rewrites the file in place see whole sessions', async ({
    assert,
  }) => {
    const { browser: writer, id } = await startSession(child.url, { note: 'w'.repeat(300) })
    const file = join(location, `${id}.txt`)
    const inode = (await fs.stat(file)).ino

    /**
     * Values of varying length that all fit in the file: every write of the
     * run below is an in-place write over the previous content
     */
    const notes = Array.from({ length: 400 }, (_, index) => 'w'.repeat(100 + ((index * 37) % 200)))
    const readers = [1, 2, 3, 4].map(() => {
      const reader = writer.clone()
      reader.baseUrl = app.url
      return reader
    })
    const seen: string[] = []
    let writing = true
    const writes = (async () => {
      for (const note of notes) {
        const response = await writer.post('/put', { note })
        assert.equal(response.status, 200)
      }
      writing = false
    })()
    await Promise.all(
      readers.map(async (reader) => {
        while (writing) {
          const response = await reader.get('/get/note')
          assert.equal(response.status, 200)
          seen.push(response.json.value)
        }
      })
    )
    await writes

    assert.isAbove(seen.length, 100)
    const written = new Set(['w'.repeat(300), ...notes])
    assert.deepEqual(
      seen.filter((value) => !written.has(value)),
      []
    )
    assert.equal((await fs.stat(file)).ino, inode)
    assert.equal((await writer.get('/get/note')).json.value, notes[notes.length - 1])
  }).timeout(60000)
})

test.group('file driver: in place or whole', (group) => {
  let location: string
  let app: TestApp

  group.setup(async () => {
    location = tmpPath('inplace-sessions')
    app = await fileApp(location)
    return async () => {
      await app.close()
      await remove(location)
    }
  })

  test('a file 6.4 wrote, or one over a page, is replaced whole, never written in place', async ({
    assert,
  }) => {
    const { browser, id } = await startSession(app.url, { note: 'a' })
    const file = join(location, `${id}.txt`)

    await fs.writeFile(file, JSON.stringify({ message: { note: 'x'.repeat(300) }, purpose: id }))
    const legacy = await fs.stat(file)
    await browser.post('/put', { note: 'b' })
    const rewritten = await fs.stat(file)
    assert.notEqual(rewritten.ino, legacy.ino)
    assert.isTrue(isSealed(await fs.readFile(file, 'utf-8')))

    await browser.post('/put', { note: 'c'.repeat(5000) })
    const large = await fs.stat(file)
    await browser.post('/put', { note: 'd'.repeat(4990) })
    const largeAgain = await fs.stat(file)
    assert.isAbove(large.size, 4096)
    assert.notEqual(largeAgain.ino, large.ino)
    assert.equal((await browser.get('/get/note')).json.value, 'd'.repeat(4990))
  })

  test('a write that fits goes in place, one that grows or shrinks a lot replaces the file', async ({
    assert,
  }) => {
    const { browser, id } = await startSession(app.url, { note: 'a'.repeat(100) })
    const file = join(location, `${id}.txt`)
    const first = await fs.stat(file)
    assert.equal(first.size % 256, 0)

    await browser.post('/put', { note: 'b'.repeat(90) })
    const inPlace = await fs.stat(file)
    assert.equal(inPlace.ino, first.ino)
    assert.equal(inPlace.size, first.size)
    const padded = await fs.readFile(file, 'utf-8')
    assert.match(padded, / +$/)
    assert.include(unseal(padded) as string, '"note":"' + 'b'.repeat(90) + '"')

    await browser.post('/put', { note: 'c'.repeat(20000) })
    const grown = await fs.stat(file)
    assert.notEqual(grown.ino, first.ino)
    assert.isAbove(grown.size, 20000)

    await browser.post('/put', { note: 'd' })
    const shrunk = await fs.stat(file)
    assert.notEqual(shrunk.ino, grown.ino)
    assert.isBelow(shrunk.size, 512)
    assert.equal((await browser.get('/get/note')).json.value, 'd')
    assert.deepEqual(
      (await fs.readdir(location)).filter((name) => name.endsWith('.lock')),
      []
    )
  })
})

test.group('file driver: the lock file', (group) => {
  let location: string

  group.each.setup(async () => {
    location = tmpPath('locks')
    await fs.mkdir(location, { recursive: true })
    return () => remove(location)
  })

  test('releasing twice closes its descriptor once and removes only its own lock', async ({
    assert,
  }) => {
    const path = join(location, 'a.lock')
    const lock = (await SessionFileLock.acquire(path, 0))!
    await lock.release()

    /**
     * Likely handed the descriptor number the lock just gave back
     */
    const other = await fs.open(join(location, 'other.txt'), 'w')
    const next = (await SessionFileLock.acquire(path, 0))!
    await lock.release()
    await other.write('still open')
    await other.close()
    assert.isTrue(await exists(path), "the second holder's lock is still there")
    await next.release()
    assert.isFalse(await exists(path))
  })

  test('a failed publish releases the lock once', async ({ assert }) => {
    const path = join(location, 'b.lock')
    const lock = (await SessionFileLock.acquire(path, 0))!
    await assert.rejects(() =>
      lock.publish(join(location, 'missing-dir', 'b.txt'), Buffer.from('{}'))
    )
    assert.isFalse(await exists(path))
    const other = await fs.open(join(location, 'other.txt'), 'w')
    await lock.release()
    await other.write('still open')
    await other.close()
  })
})

async function exists(path: string) {
  return fs.stat(path).then(
    () => true,
    () => false
  )
}
