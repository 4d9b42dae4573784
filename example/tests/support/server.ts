import { spawn, spawnSync, ChildProcess } from 'child_process'
import { mkdirSync } from 'fs'
import { join } from 'path'
import http from 'http'
import net from 'net'

/**
 * Base URL of the app under test in the browser suite
 */
export let baseUrl = process.env.E2E_BASE_URL || ''

/**
 * Session driver of the app under test
 */
export const e2eDriver = process.env.E2E_SESSION_DRIVER || 'cookie'

const APP_ROOT = join(__dirname, '..', '..')
const PORT = Number(process.env.E2E_PORT || 4455)
const READY_TIMEOUT_MS = 60_000

/**
 * Starts the app in its own process, as `node ace serve` would but without
 * the watcher, and resolves once it answers HTTP. Returns a function that
 * stops it. With E2E_BASE_URL set, the running app there is used instead.
 */
export async function startAppServer(): Promise<() => Promise<void>> {
  if (baseUrl) {
    await waitUntilReady(baseUrl, null)
    return async () => {}
  }

  baseUrl = `http://127.0.0.1:${PORT}`
  // Another server there would answer in place of the one under test
  if (await listening(PORT)) {
    throw new Error(`127.0.0.1:${PORT} is already in use: stop what listens there or set E2E_PORT`)
  }
  if (e2eDriver === 'database') {
    createSessionsTable()
  }
  const child = spawn(process.execPath, ['-r', '@adonisjs/assembler/build/register', 'server.ts'], {
    cwd: APP_ROOT,
    env: serverEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  })

  await waitUntilReady(baseUrl, child)
  return () => stopProcess(child)
}

/**
 * The database driver's table in the app's SQLite file (tmp/db.sqlite3),
 * made the way `npm start` makes it: `node ace migration:run`
 */
function createSessionsTable() {
  mkdirSync(join(APP_ROOT, 'tmp'), { recursive: true })
  const migration = spawnSync(process.execPath, ['ace', 'migration:run', '--force'], {
    cwd: APP_ROOT,
    env: serverEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (migration.status !== 0) {
    throw new Error(`node ace migration:run exited with ${migration.status ?? migration.signal}`)
  }
}

/**
 * Environment of the server process. It does not inherit the test
 * environment (".env.test" selects the memory driver).
 */
function serverEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    APP_NAME: 'SessionDemoE2E',
    APP_KEY: process.env.APP_KEY || 'e2e-only-app-key-not-a-secret-0123456789',
    CACHE_VIEWS: 'false',
    LOG_LEVEL: 'error',
    SESSION_DRIVER: e2eDriver,
    REDIS_CONNECTION: 'local',
    REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
    REDIS_PORT: process.env.REDIS_PORT || '6379',
    REDIS_PASSWORD: process.env.REDIS_PASSWORD || '',
    ENV_SILENT: 'true',
  }
}

/**
 * Polls the session endpoint until it answers, the process dies or the
 * timeout is reached
 */
async function waitUntilReady(url: string, child: ChildProcess | null) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`App server exited with code ${child.exitCode} before it was ready`)
    }
    if (await answers(`${url}/session.json`)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  child?.kill('SIGKILL')
  throw new Error(`App server at ${url} was not ready within ${READY_TIMEOUT_MS / 1000}s`)
}

/**
 * Resolves true when something accepts connections on the port
 */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Resolves true when the URL answers 200
 */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(false))
  })
}

/**
 * Stops the server process, forcefully if it ignores SIGTERM
 */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) {
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
