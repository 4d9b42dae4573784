/*
 * @adonisjs/session
 *
 * A real AdonisJS v5 application and HTTP server for the tests: real
 * providers, real config files, real cookies over real sockets.
 */

import { join } from 'path'
import { randomBytes } from 'crypto'
import { createServer, Server as HttpServer } from 'http'
import { AddressInfo } from 'net'
import { outputFile, remove } from 'fs-extra'
import { Application } from '@adonisjs/core/build/standalone'
import type { RouterContract } from '@ioc:Adonis/Core/Route'
import type { SessionConfig } from '@ioc:Adonis/Addons/Session'
import type { SessionManager } from '../../src/SessionManager'
import { REDIS_DB, REDIS_HOST, REDIS_PORT, ensureRedis } from './redis_check'

export const APP_KEY = 'averylongrandomsecretkeyfortests'

export { REDIS_DB, REDIS_HOST, REDIS_PORT }

const ROOT = join(__dirname, '..', '..')

/**
 * The session config the specs start from (the documented defaults); each
 * spec adds its driver and what it tests
 */
export const SESSION_DEFAULTS = {
  enabled: true,
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  cookie: {},
}

export type AppOptions = {
  /**
   * Extra providers, e.g. '@adonisjs/redis' or '@adonisjs/view'
   */
  providers?: string[]
  /**
   * config/redis.js connections
   */
  redis?: Record<string, any>
  /**
   * Files to add to the app, relative to its root
   */
  files?: Record<string, string>
  /**
   * Called after the providers are registered and before they boot
   */
  beforeBoot?: (app: Application) => void | Promise<void>
  /**
   * app.http.cookie defaults
   */
  httpCookie?: Record<string, any>
  /**
   * Session provider to register instead of ours, e.g. 6.4's
   * 'session-original/build/providers/SessionProvider' for upgrade tests
   */
  sessionProvider?: string
  /**
   * The application environment ('web' unless given), e.g. 'test' for the
   * Japa bindings
   */
  environment?: 'web' | 'console' | 'test' | 'repl'
  /**
   * The app's APP_KEY (`APP_KEY` unless given), e.g. to rotate it
   */
  appKey?: string
}

export type TestApp = {
  app: Application
  appRoot: string
  manager: SessionManager
  Route: RouterContract
  /**
   * Start the HTTP server; call after the routes are defined
   */
  listen(): Promise<string>
  url: string
  close(): Promise<void>
}

function js(value: unknown) {
  return `module.exports = ${JSON.stringify(value, null, 2)}\n`
}

/**
 * A temporary directory for one test
 */
export function tmpPath(name: string) {
  return join(ROOT, 'tmp', 'tests', `${name}-${randomBytes(4).toString('hex')}`)
}

/**
 * Boot a real v5 app with the session provider and the given config
 */
export async function setupApp(
  session: Partial<SessionConfig> & Record<string, any>,
  options: AppOptions = {}
): Promise<TestApp> {
  if (options.providers?.includes('@adonisjs/redis')) {
    await ensureRedis()
  }
  const appRoot = tmpPath('app')

  await outputFile(
    join(appRoot, 'config/app.js'),
    `module.exports = {
  appKey: ${JSON.stringify(options.appKey || APP_KEY)},
  http: {
    allowMethodSpoofing: false,
    subdomainOffset: 2,
    generateRequestId: false,
    trustProxy: () => true,
    etag: false,
    jsonpCallbackName: 'callback',
    cookie: ${JSON.stringify(
      options.httpCookie || { path: '/', maxAge: '2h', httpOnly: true, sameSite: false }
    )},
  },
  logger: { name: 'session-tests', enabled: false, level: 'trace' },
  profiler: { enabled: true, blacklist: [], whitelist: [] },
}
`
  )
  await outputFile(join(appRoot, 'config/session.js'), js(session))
  await outputFile(
    join(appRoot, 'config/bodyparser.js'),
    js({
      whitelistedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
      json: { encoding: 'utf-8', limit: '1mb', strict: true, types: ['application/json'] },
      form: {
        encoding: 'utf-8',
        limit: '1mb',
        queryString: {},
        types: ['application/x-www-form-urlencoded'],
      },
      raw: { encoding: 'utf-8', limit: '1mb', queryString: {}, types: ['text/*'] },
      multipart: {
        autoProcess: false,
        processManually: [],
        encoding: 'utf-8',
        limit: '1mb',
        types: ['multipart/form-data'],
      },
    })
  )
  if (options.redis) {
    await outputFile(
      join(appRoot, 'config/redis.js'),
      js({ connection: Object.keys(options.redis)[0], connections: options.redis })
    )
  }
  for (const [name, contents] of Object.entries(options.files || {})) {
    await outputFile(join(appRoot, name), contents)
  }

  const app = new Application(appRoot, options.environment || 'web', {
    providers: [
      '@adonisjs/core',
      ...(options.providers || []),
      options.sessionProvider || join(ROOT, 'providers/SessionProvider'),
    ],
  })
  await app.setup()
  await app.registerProviders()
  if (options.beforeBoot) {
    await options.beforeBoot(app)
  }
  await app.bootProviders()
  await app.start()

  const Server = app.container.use('Adonis/Core/Server')
  const BodyParser = app.container.use('Adonis/Core/BodyParser')
  Server.middleware.register([async () => ({ default: BodyParser })])

  let httpServer: HttpServer | null = null
  const testApp: TestApp = {
    app,
    appRoot,
    manager: app.container.use('Adonis/Addons/Session') as any,
    Route: app.container.use('Adonis/Core/Route'),
    url: '',
    async listen() {
      Server.optimize()
      httpServer = createServer(Server.handle.bind(Server))
      Server.instance = httpServer
      await new Promise<void>((resolve) => httpServer!.listen(0, '127.0.0.1', resolve))
      testApp.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
      return testApp.url
    },
    async close() {
      if (httpServer) {
        httpServer.closeAllConnections?.()
        await new Promise((resolve) => httpServer!.close(resolve))
      }
      await app.shutdown()
      await remove(appRoot)
    },
  }
  return testApp
}
