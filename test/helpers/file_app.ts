/*
 * @adonisjs/session
 *
 * The file-driver server of the multi-process specs: the same app in the test
 * process and in the forked one (file_server.ts)
 */

import { setupApp, SESSION_DEFAULTS, TestApp } from './app'
import { defineSessionRoutes } from './routes'

export async function fileApp(location: string): Promise<TestApp> {
  const app = await setupApp({
    ...SESSION_DEFAULTS,
    driver: 'file',
    gcProbability: 0,
    file: { location },
  })
  defineSessionRoutes(app.Route)
  await app.listen()
  return app
}
