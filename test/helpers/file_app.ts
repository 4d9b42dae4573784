/*
 * @adonisjs/session
 *
 * An app on the file driver with the session routes, listening: the same app
 * in the test process and in the forked one of the multi-process specs
 * (file_server.ts)
 */

import { join } from 'path'
import { promises as fs } from 'fs'
import { setupApp, SESSION_DEFAULTS, TestApp } from './app'
import { defineSessionRoutes } from './routes'

export async function fileApp(location: string, gcProbability = 0): Promise<TestApp> {
  const app = await setupApp({
    ...SESSION_DEFAULTS,
    driver: 'file',
    gcProbability,
    file: { location },
  })
  defineSessionRoutes(app.Route)
  await app.listen()
  return app
}

/**
 * The JSON of a session file as stored, or null when there is no file (any
 * other error fails the test)
 */
export async function readSessionFile(location: string, id: string): Promise<any> {
  try {
    return JSON.parse(await fs.readFile(join(location, `${id}.txt`), 'utf-8'))
  } catch (error) {
    if (error.code === 'ENOENT') {
      return null
    }
    throw error
  }
}
