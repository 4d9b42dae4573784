/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { join } from 'path'
import { randomBytes } from 'crypto'
import { promises as fs } from 'fs'
import lockfile from 'proper-lockfile'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../errors'
import { decodePayload, encodePayload } from '../Payload'
import { isValidSessionId } from '../SessionId'
import { ResolvedSessionConfig } from '../SessionManager/config'
import debug from '../debug'
import { inLine } from './queue'

/**
 * Waiting for another process's lock on a session file: up to ~5s
 */
const LOCK_OPTIONS = {
  realpath: false,
  stale: 5000,
  retries: { retries: 250, factor: 1, minTimeout: 5, maxTimeout: 20, randomize: true },
  onCompromised: (error: Error) => debug('session file lock compromised: %s', error.message),
}

/**
 * One file per session, `<location>/<id>.txt`, in the 6.4 payload format.
 * Expiry is the file's modification time plus `age`: `touch` moves it
 * forward without rewriting the data. Writes replace the file atomically
 * (write then rename) under a lock that holds across processes.
 */
export class FileDriver implements SessionDriverContract {
  private mtimeMs: number | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private location: string,
    private logger?: LoggerContract
  ) {}

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const file = this.pathFor(sessionId)
    const contents = await this.readFile(file, sessionId)
    this.mtimeMs = contents ? contents.mtimeMs : null
    return contents ? contents.values : null
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('file')
    }
    await this.update(sessionId, () => values)
  }

  /**
   * Read the latest copy, apply the request's changes and replace the file,
   * all under the session's lock
   */
  public async update(sessionId: string, updater: SessionUpdater): Promise<void> {
    const file = this.pathFor(sessionId)
    await inLine(file, () =>
      this.withLock(file, async () => {
        const current = await this.readFile(file, sessionId)
        const next = updater(current ? current.values : null)
        if (next === null) {
          await this.remove(file)
        } else {
          await this.replace(file, encodePayload(sessionId, next))
        }
        this.mtimeMs = Date.now()
      })
    )
  }

  public async destroy(sessionId: string): Promise<void> {
    await this.remove(this.pathFor(sessionId))
  }

  /**
   * Moves the modification time forward, at most once per `refreshAfter`
   * of the age; a session that was not found is not touched
   */
  public async touch(sessionId: string): Promise<void> {
    if (this.mtimeMs === null || Date.now() - this.mtimeMs < this.config.refreshAfterMs) {
      return
    }
    const now = new Date()
    try {
      await fs.utimes(this.pathFor(sessionId), now, now)
      this.mtimeMs = now.getTime()
    } catch (error) {
      if (error.code !== 'ENOENT') {
        throw this.unavailable(error)
      }
    }
  }

  /**
   * The file of a session. Ids are validated long before this point; the
   * check here keeps a path outside `file.location` impossible.
   */
  private pathFor(sessionId: string) {
    if (!isValidSessionId(sessionId)) {
      throw new SessionRuntimeException(`Refusing invalid session id for the file driver`)
    }
    return join(this.location, `${sessionId}.txt`)
  }

  private async readFile(file: string, sessionId: string) {
    try {
      const stats = await fs.stat(file)
      if (stats.mtimeMs + this.config.ageMs <= Date.now()) {
        return null
      }
      const raw = await fs.readFile(file, 'utf-8')
      const values = decodePayload(sessionId, raw.trim(), (reason) => {
        this.logger?.warn('ignoring unreadable session file %s: %s', file, reason)
      })
      return values ? { values, mtimeMs: stats.mtimeMs } : null
    } catch (error) {
      if (error.code === 'ENOENT') {
        return null
      }
      throw this.unavailable(error)
    }
  }

  private async withLock(file: string, task: () => Promise<void>) {
    await this.ensureLocation()
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(file, LOCK_OPTIONS)
    } catch (error) {
      throw this.unavailable(error)
    }
    try {
      await task()
    } finally {
      await release().catch((error) => debug('cannot release lock of %s: %s', file, error.message))
    }
  }

  /**
   * Write a temporary file, then rename it over the session file: readers
   * see the old or the new content, never a half-written one, and a failed
   * write (full or read-only disk) leaves the old file as it was
   */
  private async replace(file: string, contents: string) {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await fs.writeFile(temporary, contents, 'utf-8')
      await fs.rename(temporary, file)
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => {})
      throw this.unavailable(error)
    }
  }

  private async remove(file: string) {
    try {
      await fs.rm(file, { force: true })
    } catch (error) {
      throw this.unavailable(error)
    }
  }

  private async ensureLocation() {
    try {
      await fs.mkdir(this.location, { recursive: true })
    } catch (error) {
      throw this.unavailable(error)
    }
  }

  private unavailable(error: NodeJS.ErrnoException) {
    return SessionStoreUnavailableException.create(
      'file',
      `${error.code || 'error'}: ${error.message} (file.location "${this.location}")`
    )
  }
}
