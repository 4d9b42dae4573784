/*
 * @adonisjs/session
 *
 * A stalled disk, made with strace's fault injection: every write system
 * call of a running process (all its threads) to one path is held in the
 * kernel for a while before it runs, as a hung disk or an overloaded
 * network volume holds it. scripts/test.sh installs strace when missing.
 */

import { spawn, ChildProcess } from 'child_process'
import { bounded } from './redis_server'

/**
 * The system calls a write of Node's `fs` can become
 */
const WRITE_CALLS = 'write,pwrite64,writev,pwritev,pwritev2'

export type Stall = {
  /**
   * How many write calls to the path were stalled so far
   */
  stalled(): number
  stop(): Promise<void>
}

/**
 * Attach strace to `pid` and delay each of its writes to `path` by
 * `delayMs`; resolves once every thread of the process is traced. strace
 * prints each stalled call, marked `(DELAYED)`, when it returns.
 */
export async function stallWrites(pid: number, path: string, delayMs: number): Promise<Stall> {
  const child: ChildProcess = spawn(
    'strace',
    [
      '-f',
      '-p',
      String(pid),
      '-P',
      path,
      '-e',
      `trace=${WRITE_CALLS}`,
      '-e',
      `inject=${WRITE_CALLS}:delay_enter=${delayMs * 1000}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let output = ''
  child.stderr!.setEncoding('utf-8')
  child.stderr!.on('data', (chunk) => (output += chunk))

  const attached = new Promise<void>((resolve, reject) => {
    /**
     * strace says "Process N attached with K threads" once it traces them all
     */
    const check = () => {
      if (/attached/.test(output)) {
        resolve()
      }
    }
    child.stderr!.on('data', check)
    child.once('error', (error) => reject(new Error(`cannot run strace: ${error.message}`)))
    child.once('exit', (code) => reject(new Error(`strace exited with ${code}: ${output}`)))
  })
  await bounded(attached, 10000, `attaching strace to process ${pid}`)

  return {
    stalled: () => (output.match(/\(DELAYED\)/g) || []).length,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        return
      }
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await bounded(exited, 10000, 'detaching strace')
    },
  }
}
