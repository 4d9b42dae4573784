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
import { setupApp, tmpPath, TestApp, SESSION_DEFAULTS } from './helpers/app'
import { Browser } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'

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
    app = await setupApp({
      ...SESSION_DEFAULTS,
      driver: 'file',
      gcProbability: 0,
      file: { location },
    })
    defineSessionRoutes(app.Route)
    await app.listen()
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
    assert.deepEqual(
      responses.filter((response) => response.status !== 200).map((response) => response.text),
      []
    )

    assert.equal((await browser.get('/get/hits')).json.value, 201)
    browser.baseUrl = child.url
    assert.equal((await browser.get('/get/hits')).json.value, 201)

    const stored = JSON.parse(await fs.readFile(join(location, `${id}.txt`), 'utf-8'))
    assert.deepEqual(stored, { message: { hits: 201 }, purpose: id })
    const leftovers = (await fs.readdir(location)).filter((name) => name !== `${id}.txt`)
    assert.isTrue(
      leftovers.every((name) => name.endsWith('.txt')),
      leftovers.join(', ')
    )
  }).timeout(60000)
})
