/*
 * @adonisjs/session
 *
 * redis-server processes owned by a spec: started on free ports of
 * 127.0.0.1, stopped, frozen and thawed by the spec itself. Every process
 * started here is killed when the test process exits, even after a failure.
 */

import { spawn, ChildProcess } from 'child_process'
import { createServer } from 'net'

const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server'

/**
 * Processes still running, killed on exit as a last resort
 */
const running: Set<ChildProcess> = new Set()
process.once('exit', function killOwnRedisServers() {
  for (const child of running) {
    child.kill('SIGKILL')
  }
})

/**
 * A port of 127.0.0.1 nobody listens on right now
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port
}

/**
 * `count` distinct ports of 127.0.0.1 nobody listens on right now
 */
export async function freePorts(count: number): Promise<number[]> {
  const probes = await Promise.all(
    Array.from({ length: count }, () => {
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const probe = createServer()
        probe.once('error', reject)
        probe.listen(0, '127.0.0.1', () => resolve(probe))
      })
    })
  )
  const ports = probes.map((probe) => (probe.address() as { port: number }).port)
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))))
  return ports
}

/**
 * Resolves with `value`, or rejects once `ms` have passed
 */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms}ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export class RedisServer {
  private child: ChildProcess | null = null
  private output = ''

  /**
   * @param args extra redis-server arguments, e.g. ['--appendonly', 'yes']
   */
  constructor(public port: number, private args: string[] = []) {}

  public get pid() {
    return this.child?.pid
  }

  /**
   * Spawn the server (not daemonized) and wait until it accepts connections
   */
  public async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    this.child = child
    this.output = ''
    running.add(child)
    child.once('exit', () => running.delete(child))

    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString()
        if (this.output.includes('Ready to accept connections')) {
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('exit', (code) => {
        reject(new Error(`redis-server on port ${this.port} exited with ${code}:\n${this.output}`))
      })
    })
    await bounded(ready, 10000, `starting redis-server on port ${this.port}`)
  }

  /**
   * Stop the server and wait for the process to be gone. A frozen server
   * is thawed so that it can act on the signal.
   */
  public async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.child = null
      return
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    if (signal !== 'SIGKILL') {
      child.kill('SIGCONT')
    }
    try {
      await bounded(exited, 5000, `stopping redis-server on port ${this.port}`)
    } catch {
      child.kill('SIGKILL')
      await exited
    }
    this.child = null
  }

  /**
   * Suspend the process: connections stay open, nothing is answered
   */
  public freeze() {
    this.child?.kill('SIGSTOP')
  }

  public thaw() {
    this.child?.kill('SIGCONT')
  }
}
