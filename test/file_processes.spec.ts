/*
 * @adonisjs/session
 *
 * The file driver with 2 processes writing one session: two real servers,
 * in two OS processes, share one session directory. Concurrent increments
 * of one session through both must all count.
 */

import { join } from 'path'
import { execFile } from 'child_process'
import { promisify } from 'util'
import { constants, promises as fs } from 'fs'
import { pathExists, remove } from 'fs-extra'
import { test } from '@japa/runner'
import { tmpPath, TestApp } from './helpers/app'
import { Browser, failures, startSession } from './helpers/browser'
import { fileApp } from './helpers/file_app'
import { Child, startChild, stopChild } from './helpers/child_server'
import { isSealed, unseal } from '../src/Drivers/File/format'
import { FileLock, HOLDER_SUFFIX, LockOwner } from '../src/Drivers/File/lock'
import { CommitJob } from '../src/Drivers/File/jobs'
import { FileWorkerClient } from '../src/Drivers/File/WorkerClient'
import { FileDriver } from '../src/Drivers/File'
import { generateSessionId } from '../src/SessionId'

const execFileAsync = promisify(execFile)

test.group('file driver: two processes writing one session', (group) => {
  let location: string
  let app: TestApp
  let child: Child

  group.setup(async () => {
    location = tmpPath('shared-sessions')
    const started = startChild('file_server.ts', [location])
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
    // Each process's lock holder file stays; no lock or new content is left
    const leftovers = (await fs.readdir(location)).filter((name) => name !== `${id}.txt`)
    assert.isTrue(
      leftovers.every((name) => name.endsWith('.txt') || name.endsWith(HOLDER_SUFFIX)),
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
  let fileWorker: FileWorkerClient

  group.each.setup(async () => {
    location = tmpPath('locks')
    fileWorker = new FileWorkerClient()
    await fs.mkdir(location, { recursive: true })
    return async () => {
      await fileWorker.close()
      await remove(location)
    }
  })

  test('releasing twice removes only its own lock', async ({ assert }) => {
    const path = join(location, 'a.lock')
    const owner = new LockOwner('this-test')
    const lock = FileLock.acquire(path, owner)!
    lock.release()

    const next = FileLock.acquire(path, owner)!
    lock.release()
    assert.isTrue(await pathExists(path), "the second holder's lock is still there")
    next.release()
    assert.isFalse(await pathExists(path))
  })

  test('a lock is a link to its holder file, which names the holder; a second holder waits', async ({
    assert,
  }) => {
    const path = join(location, 'e.lock')
    const owner = new LockOwner('this-test')
    const lock = FileLock.acquire(path, owner)!
    const holder = owner.holderIn(location)
    assert.equal((await fs.stat(path)).ino, (await fs.stat(holder)).ino)
    assert.equal(await fs.readFile(path, 'latin1'), owner.line.toString('latin1'))
    assert.equal((await fs.stat(holder)).mode & 0o777, 0o600)
    assert.isNull(FileLock.acquire(path, new LockOwner('another-worker')))
    lock.release()
    assert.isTrue(await pathExists(holder), 'the holder file outlives its locks')
  })

  test('a lock taken again after its folder was emptied makes a new holder file', async ({
    assert,
  }) => {
    const owner = new LockOwner('this-test')
    FileLock.acquire(join(location, 'f.lock'), owner)!.release()
    await remove(location)
    const lock = FileLock.acquire(join(location, 'f.lock'), owner)!
    assert.isTrue(await pathExists(join(location, 'f.lock')))
    lock.release()
  })

  test('a write the worker cannot finish fails with the system error and leaves no lock', async ({
    assert,
  }) => {
    const lock = join(location, 'b.lock')
    const job = commitJob(join(location, 'b.txt'), lock, { text: '{"b":1}' })
    const failed = await fileWorker
      .commit({ ...job, file: join(location, 'missing-dir', 'b.txt') })
      .catch((error) => error)
    assert.equal(failed.code, 'ENOENT')
    assert.equal(failed.syscall, 'rename')
    assert.isFalse(await pathExists(lock))

    assert.deepEqual(await fileWorker.commit(job), { done: true })
    assert.equal((await fs.readFile(join(location, 'b.txt'), 'utf-8')).trimEnd(), '{"b":1}')
    assert.isFalse(await pathExists(lock))
  })

  test('a conflict keeps the lock for the next write, and a release gives it up', async ({
    assert,
  }) => {
    const file = join(location, 'c.txt')
    const lock = join(location, 'c.lock')
    await fs.writeFile(file, 'written by someone else')
    const job = commitJob(file, lock, {
      expect: 'what this request read',
      expectSize: Buffer.byteLength('what this request read'),
      text: '{"c":1}',
    })
    const conflict = (await fileWorker.commit(job)) as any
    assert.equal(conflict.conflict.raw, 'written by someone else')
    assert.isAbove(conflict.token, 0)
    assert.isTrue(await pathExists(lock))
    assert.deepEqual(await fileWorker.commit(job), { busy: true })

    const other = { ...job, file: join(location, 'd.txt'), lock: join(location, 'd.lock') }
    assert.deepEqual(await fileWorker.commit({ ...other, token: conflict.token, expect: null }), {
      done: true,
    })
    assert.isTrue(await pathExists(lock), "another lock's token does not take or release this one")
    assert.isFalse(await pathExists(other.lock))

    assert.deepEqual(await fileWorker.release({ op: 'release', token: conflict.token, lock }), {
      done: true,
    })
    assert.isFalse(await pathExists(lock))
    const again = (await fileWorker.commit(job)) as any
    assert.deepEqual(
      await fileWorker.commit({
        ...job,
        token: again.token,
        expect: again.conflict.raw,
        expectSize: again.conflict.size,
      }),
      { done: true }
    )
    assert.equal((await fs.readFile(file, 'utf-8')).trimEnd(), '{"c":1}')
    assert.isFalse(await pathExists(lock))
  })
})

test.group('file driver: a lock held by another process', (group) => {
  let location: string
  let app: TestApp

  group.each.setup(async () => {
    location = tmpPath('locked-sessions')
    app = await fileApp(location)
    return async () => {
      await app.close()
      await remove(location)
    }
  })

  /**
   * A session whose lock file another process holds
   */
  async function lockedSession() {
    const { browser, id } = await startSession(app.url, { a: 1 })
    const lock = join(location, `${id}.lock`)
    await fs.writeFile(lock, '')
    return { browser, lock }
  }

  test('a write waits for the lock and lands once it is released', async ({ assert }) => {
    const { browser, lock } = await lockedSession()
    const released = new Promise((resolve) => setTimeout(resolve, 300)).then(() => fs.unlink(lock))
    const startedAt = Date.now()
    const response = await browser.post('/put', { b: 2 })
    await released
    assert.equal(response.status, 200)
    assert.isAtLeast(Date.now() - startedAt, 250)
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1, b: 2 })
  })

  test('a lock never released fails the write with 503 and changes nothing', async ({ assert }) => {
    const { browser, lock } = await lockedSession()
    const response = await browser.post('/put', { b: 2 })
    assert.equal(response.status, 503)
    assert.include(response.text, 'locked by another request for over 5000ms')
    await fs.unlink(lock)
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1 })
  }).timeout(15_000)

  test('a lock left by a process that died long ago is removed', async ({ assert }) => {
    const { browser, lock } = await lockedSession()
    const past = new Date(Date.now() - 60_000)
    await fs.utimes(lock, past, past)
    assert.equal((await browser.post('/put', { b: 2 })).status, 200)
    assert.deepEqual((await browser.get('/all')).json.values, { a: 1, b: 2 })
    assert.isFalse(await pathExists(lock))
  })
})

test.group('file driver: the file worker', () => {
  test('keeps the process alive while it has work, and not after', async ({ assert }) => {
    /**
     * A named pipe: the worker's open blocks until this test opens it for
     * writing (which it can once the worker is there to read), so the child
     * has nothing but the worker to wait on meanwhile. The test writes
     * nothing: the worker reads the size fstat gives a pipe (0) and may have
     * closed its end already, where a write would fail with EPIPE
     */
    const fifo = tmpPath('worker-fifo')
    await makeFifo(fifo)
    try {
      const script = [
        "const { FileWorkerClient } = require('./src/Drivers/File/WorkerClient');",
        `new FileWorkerClient().read({ op: 'read', file: ${JSON.stringify(fifo)} })`,
        ".then((r) => console.log('answered', r.size))",
      ].join('')
      const child = execFileAsync(
        process.execPath,
        ['-r', '@adonisjs/require-ts/build/register', '-e', `${script};`],
        { cwd: join(__dirname, '..'), timeout: 20_000 }
      )
      let exited = false
      child.finally(() => (exited = true)).catch(() => {})
      const pipe = await openForWriting(fifo, () => {
        assert.isFalse(exited, 'the child exited before its read was answered')
      })
      await pipe.close()
      const { stdout } = await child
      assert.equal(stdout.trim(), 'answered 0')
    } finally {
      await remove(fifo)
    }
  }).timeout(30_000)

  test('a turn with many jobs sends them in messages of at most 8 and answers each job', async ({
    assert,
  }) => {
    const location = tmpPath('worker-batches')
    const fileWorker = new FileWorkerClient()
    await fs.mkdir(location, { recursive: true })
    try {
      const files = Array.from({ length: 20 }, (_, index) => join(location, `s${index}.txt`))
      await Promise.all(files.map((file, index) => fs.writeFile(file, `content ${index}`)))
      await fileWorker.read({ op: 'read', file: files[0] })

      const worker = (fileWorker as any).worker
      const sent: number[] = []
      const postMessage = worker.postMessage
      worker.postMessage = function (jobs: any[]) {
        sent.push(jobs.length)
        return postMessage.call(this, jobs)
      }
      try {
        const results = await Promise.all(
          files.map((file) => fileWorker.read({ op: 'read', file }))
        )
        assert.deepEqual(sent, [8, 8, 4])
        assert.deepEqual(
          results.map((result: any) => result.raw),
          files.map((_, index) => `content ${index}`)
        )
      } finally {
        worker.postMessage = postMessage
      }
    } finally {
      await fileWorker.close()
      await remove(location)
    }
  })

  test('a worker that died is replaced: its jobs fail, the next request works', async ({
    assert,
  }) => {
    const location = tmpPath('worker-sessions')
    const app = await fileApp(location)
    try {
      const { browser } = await startSession(app.url, { a: 1 })
      const fileWorker = (app.manager as any).file.runtime.worker
      const worker = fileWorker.worker

      /**
       * A session file that is a named pipe: the worker's open blocks on it,
       * so the job is in the worker, unanswered, when the worker is stopped
       * (the open returns once the pipe is opened for writing, and the
       * worker stops before answering)
       */
      const id = generateSessionId()
      await makeFifo(join(location, `${id}.txt`))
      const lost = (app.manager.createDriver() as FileDriver).read(id).catch((error) => error)
      await new Promise((resolve) => setTimeout(resolve, 500))
      const stopped = worker.terminate()
      await (await openForWriting(join(location, `${id}.txt`))).close()
      await stopped
      const error = await lost
      assert.equal(error.code, 'E_SESSION_STORE_UNAVAILABLE')
      assert.equal(error.status, 503)
      assert.include(error.message, 'the session file worker exited')
      assert.deepEqual((await browser.get('/all')).json.values, { a: 1 })
      assert.equal((await browser.post('/put', { b: 2 })).status, 200)
      assert.notStrictEqual(fileWorker.worker, worker)
    } finally {
      await app.close()
      await remove(location)
    }
  })
})

/**
 * The commit job a write sends the file worker, with the defaults of these
 * tests: nothing expected (no file), a small text, the rename path
 */
function commitJob(file: string, lock: string, overrides: Partial<CommitJob> = {}): CommitJob {
  return {
    op: 'commit',
    file,
    lock,
    token: 0,
    expect: null,
    expectSize: 0,
    text: '{}',
    inPlace: false,
    replaceSize: 256,
    ...overrides,
  }
}

function makeFifo(path: string) {
  return execFileAsync('mkfifo', [path])
}

/**
 * Open a named pipe for writing once a reader has it open (before that the
 * open fails with ENXIO), trying every 100ms for 10s; `beforeEachTry` may
 * throw to stop waiting
 */
async function openForWriting(path: string, beforeEachTry: () => void = () => {}) {
  const deadline = Date.now() + 10_000
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    beforeEachTry()
    try {
      return await fs.open(path, constants.O_WRONLY | constants.O_NONBLOCK)
    } catch (error) {
      if (error.code !== 'ENXIO' || Date.now() >= deadline) {
        throw error
      }
    }
  }
}
