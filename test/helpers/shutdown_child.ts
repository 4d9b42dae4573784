/*
 * @adonisjs/session
 *
 * Run by test/shutdown.spec.ts in a process of its own: boots an app on the
 * file driver, one on the redis driver and one on the database driver
 * (PostgreSQL), sends requests that read and write sessions on each, shuts
 * each app down and reports what is still open. It must then exit by itself.
 */

import 'reflect-metadata'
import { remove } from 'fs-extra'
import { tmpPath } from './app'
import { fileApp } from './file_app'
import { redisApp } from './redis'
import { TestDatabase } from './database'
import { defineSessionRoutes } from './routes'
import { Browser } from './browser'

/**
 * Active resources that would keep a process alive or outlive an app;
 * the standard streams are the child's own
 */
function leftovers() {
  const own = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'SignalWrap'])
  const active: string[] = (process as any).getActiveResourcesInfo()
  return active.filter((name) => !own.has(name))
}

async function traffic(url: string) {
  const browser = new Browser(url)
  await browser.post('/put', { user: 'virk' })
  await Promise.all([1, 2, 3, 4].map(() => browser.get('/increment/visits')))
  const response = await browser.get('/all')
  return response.json.values
}

/**
 * One app after the other: the framework's HttpContext class is shared by
 * the apps of a process, so the last app booted would own `ctx.session`
 */
async function main() {
  const location = tmpPath('shutdown-sessions')
  const file = await fileApp(location, 1)
  const stored = [await traffic(file.url)]
  await file.manager.sweeper()!.sweep()

  /**
   * The worker is unref'd between jobs, so it would not keep the process
   * alive: whether shutdown stopped it is asked of the thread itself
   */
  const worker = (file.manager as any).file.runtime.worker.worker
  const workerStopped = new Promise((resolve) => worker.once('exit', () => resolve(true)))
  await file.close()
  await remove(location)

  const redis = await redisApp()
  defineSessionRoutes(redis.Route)
  await redis.listen()
  stored.push(await traffic(redis.url))
  await redis.close()

  stored.push(await databaseTraffic())

  const report = { stored, workerStopped: await Promise.race([workerStopped, false]) }
  console.log(JSON.stringify({ ...report, leftovers: leftovers() }))
}

/**
 * Every request enters the sweep lottery, so a background sweep is still
 * running or just done when the app shuts down
 */
async function databaseTraffic() {
  const database = new TestDatabase('pg')
  await database.open()
  const migrating = await database.app()
  await database.migrate(migrating)
  await migrating.close()

  const app = await database.app({ gcProbability: 1 })
  defineSessionRoutes(app.Route)
  await app.listen()
  const values = await traffic(app.url)
  await app.close()
  await database.close()
  return values
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
