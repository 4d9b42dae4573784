/**
 * Japa setup: plugins, reporters and per-suite hooks.
 *
 * - "functional" runs against the in-process test server, with the memory
 *   session driver (".env.test"), so the session api-client helpers can
 *   seed and inspect the session.
 * - "browser" drives Debian's chromium through playwright-core against a
 *   separate server process that uses a real driver (cookie by default,
 *   E2E_SESSION_DRIVER=file|redis|database to switch), or E2E_BASE_URL if given.
 */

import type { Config } from '@japa/runner'
import TestUtils from '@ioc:Adonis/Core/TestUtils'
import { assert, specReporter, apiClient } from '@japa/preset-adonis'
import { startBrowser, stopBrowser } from './support/browser'
import { startAppServer } from './support/server'

export const plugins: Required<Config>['plugins'] = [assert(), apiClient()]

export const reporters: Required<Config>['reporters'] = [specReporter()]

export const runnerHooks: Pick<Required<Config>, 'setup' | 'teardown'> = {
  setup: [],
  teardown: [],
}

export const configureSuite: Required<Config>['configureSuite'] = (suite) => {
  if (suite.name === 'functional') {
    suite.setup(() => TestUtils.httpServer().start())
  }

  if (suite.name === 'browser') {
    suite.setup(async () => {
      const stopServer = await startAppServer()
      // A browser that fails to start must not leave the server running
      await startBrowser().catch(async (error) => {
        await stopServer()
        throw error
      })
      return async () => {
        await stopBrowser()
        await stopServer()
      }
    })
  }
}
