/*
 * @adonisjs/session
 *
 * An app on the file driver with the session routes, listening: the same app
 * in the test process and in the forked one of the multi-process specs
 * (file_server.ts)
 */

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
