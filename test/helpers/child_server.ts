/*
 * @adonisjs/session
 *
 * A test server in a second OS process, for the multi-process specs: the
 * script is forked with the TypeScript hook and sends `{ url, appRoot }`
 * once listening
 */

import { join } from 'path'
import { fork, ChildProcess } from 'child_process'

export type Child = { process: ChildProcess; url: string; appRoot: string }

/**
 * Fork `script` (a file of test/helpers) with `args` and wait for its URL
 */
export function startChild(script: string, args: string[]): Promise<Child> {
  const child = fork(join(__dirname, script), args, {
    execArgv: ['-r', '@adonisjs/require-ts/build/register'],
    cwd: join(__dirname, '..', '..'),
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
export async function stopChild(child: ChildProcess) {
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

/**
 * In the child: close the app and exit on SIGTERM or when the parent goes
 * away, then tell the parent where it listens
 */
export function serveUntilStopped(app: { url: string; appRoot: string; close(): Promise<void> }) {
  let closing = false
  async function shutdown() {
    if (closing) {
      return
    }
    closing = true
    await app.close().catch(() => {})
    process.exit(0)
  }
  process.on('SIGTERM', shutdown)
  process.on('disconnect', shutdown)
  process.send!({ url: app.url, appRoot: app.appRoot })
}
