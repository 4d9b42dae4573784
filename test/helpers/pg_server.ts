/*
 * @adonisjs/session
 *
 * A private PostgreSQL server a spec starts on a free port of 127.0.0.1,
 * with its own data directory, to freeze (SIGSTOP) or stop mid-traffic
 */

import { tmpdir } from 'os'
import { join } from 'path'
import { execFileSync, spawn, ChildProcess } from 'child_process'
import { chownSync, mkdtempSync, readdirSync, readFileSync } from 'fs'
import { remove } from 'fs-extra'
import { bounded } from './redis_server'

const BIN = process.env.PG_BIN || '/usr/local/bin'

/**
 * PostgreSQL refuses to run as root: the server runs as the `postgres` user
 * when the tests run as root
 */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid && process.getuid() !== 0) {
    return {}
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

/**
 * Processes whose parent is `pid`, from /proc
 */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

export class PgServer {
  private child: ChildProcess | null = null
  private output = ''
  private user = serverUser()
  public readonly dataDir = mkdtempSync(join(tmpdir(), 'session-pg-'))

  constructor(public port: number) {}

  /**
   * Create the cluster (trust authentication, user postgres)
   */
  public init() {
    if (this.user.uid !== undefined) {
      chownSync(this.dataDir, this.user.uid, this.user.gid!)
    }
    execFileSync(
      join(BIN, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync'],
      { ...this.user, stdio: 'ignore', timeout: 60000 }
    )
  }

  /**
   * Start the server (not daemonized: this process owns it)
   */
  public async start() {
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.dataDir]
    args.push('-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off')
    const child = spawn(join(BIN, 'postgres'), args, {
      ...this.user,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    this.output = ''
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString()
        if (this.output.includes('ready to accept connections')) resolve()
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('exit', (code) =>
        reject(new Error(`postgres exited with ${code}:\n${this.output}`))
      )
    })
    await bounded(ready, 20000, `starting postgres on port ${this.port}`)
  }

  /**
   * Suspend every process of the server: connections stay open, nothing
   * is answered
   */
  public freeze() {
    this.signalGroup('SIGSTOP')
  }

  public thaw() {
    this.signalGroup('SIGCONT')
  }

  /**
   * Fast shutdown (SIGINT to the postmaster), waiting for it to exit
   */
  public async stop() {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    this.thaw()
    child.kill('SIGINT')
    try {
      await bounded(exited, 10000, 'stopping postgres')
    } catch {
      this.signalGroup('SIGKILL')
      await exited
    }
    this.child = null
  }

  public async destroy() {
    await this.stop()
    await remove(this.dataDir)
  }

  /**
   * Signal the postmaster and its children (the backends put themselves in
   * process groups of their own, so a group signal would miss them)
   */
  private signalGroup(signal: NodeJS.Signals) {
    const pid = this.child && this.child.pid
    if (!pid) {
      return
    }
    for (const target of [pid, ...childrenOf(pid)]) {
      try {
        process.kill(target, signal)
      } catch {}
    }
  }
}
