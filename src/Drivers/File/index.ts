/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { join } from 'path'
import { promises as fs } from 'fs'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../../errors'
import { DEFAULT_MAX_PAYLOAD_BYTES, StoredSession, ensureFits } from '../Shared/payload'
import { PayloadCodec } from '../Shared/codec'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { SessionTag, TaggingDriver, indexedWrite } from '../Shared/tags'
import { FileTagIndex } from './tagIndex'
import { isValidSessionId, shortId } from '../../SessionId'
import { lockPathFor } from './lock'
import { fileUnavailable, lockBackoff, lockTimeout } from './failures'
import {
  Base,
  DEFAULT_LOCK_WAIT_MS,
  FileDriverOptions,
  FileRuntime,
  Retagged,
  Snapshot,
  TORN_READ_RETRIES,
} from './types'
import { FileContent, ignoreMissing } from './sync'
import { CommitJob, CommitResult } from './jobs'
import { fitsInPlace, seal, unseal, withHeadroom } from './format'

export { FileDriverOptions, FileRuntime }

/**
 * One file per session, `<location>/<id>.txt`, in the 6.4 payload format
 * plus an integrity check (see `seal`). Expiry is the file's modification
 * time plus `age`: `touch` moves it forward without rewriting the data.
 *
 * The system calls run on a worker thread (see worker.ts), batched per
 * turn of the event loop. Every write holds the session's lock file
 * (`<id>.lock`, a hard link to the worker's holder file, see lock.ts), so
 * writes are serialised across processes, and
 * checks under it that the file still holds what the request read. A new
 * content that fits in a sealed file of at most one page is written over the
 * old one in place, padded with spaces to the same length; anything else is
 * written whole into `<id>.lock.next`, which is then renamed over the
 * session file. In-place writes are what keep the driver fast (a rename over an
 * existing file makes ext4 flush the data at once); a reader that catches
 * one half-way sees a failed check and reads again. Growing a file takes the
 * rename path, so a full disk fails the write and leaves the previous
 * content intact.
 */
export class FileDriver implements ChangeAwareDriver, TaggingDriver {
  private snapshot: Snapshot | null = null
  private lockWaitMs: number
  private maxPayloadBytes: number

  /**
   * The tag the last read found, kept after a write (for `destroy`)
   */
  private lastRead: { sessionId: string; tag: SessionTag | null } | null = null

  /**
   * Which sessions each user has: `<location>/tags/<hash of user>.ids`
   */
  public readonly tags: FileTagIndex

  constructor(
    private options: FileDriverOptions,
    private runtime: FileRuntime,
    private logger?: LoggerContract,
    private codec: PayloadCodec = new PayloadCodec()
  ) {
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.tags = new FileTagIndex(options.location, runtime.worker, (error) =>
      this.unavailable(error)
    )
  }

  /**
   * The request's session lifetime, kept in the payloads
   */
  public get lifetime() {
    return this.codec.lifetime
  }

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    this.snapshot = await this.readSnapshot(sessionId)
    if (!this.snapshot) {
      this.lastRead = { sessionId, tag: null }
      return null
    }
    const stored = this.decode(sessionId, this.snapshot.text)
    this.snapshot.values = stored && stored.values
    this.snapshot.tag = stored && stored.tag
    this.lastRead = { sessionId, tag: this.snapshot.tag }
    return this.snapshot.values
  }

  public tagRead(sessionId: string): SessionTag | null {
    return this.lastRead && this.lastRead.sessionId === sessionId ? this.lastRead.tag : null
  }

  /**
   * The tag of a live session, read without moving its expiry
   */
  public async inspect(sessionId: string): Promise<SessionTag | null> {
    const snapshot = await this.readSnapshot(sessionId)
    const stored = snapshot && this.decode(sessionId, snapshot.text)
    return stored && stored.tag
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('file')
    }
    await this.update(sessionId, () => values)
  }

  public update(sessionId: string, updater: SessionUpdater): Promise<void> {
    return this.applyChange(sessionId, new SessionChange(updater))
  }

  /**
   * Apply the request's changes, together with those of other requests of
   * this app waiting on the same session (see UpdateBatches)
   */
  public async applyChange(sessionId: string, change: SessionChange): Promise<void> {
    const file = this.pathFor(sessionId)
    await this.runtime.batches.run(file, change, (combined) =>
      indexedWrite(this.tags, sessionId, combined.tagOps, () =>
        this.replace(sessionId, file, combined)
      )
    )
  }

  /**
   * Under the session's lock: apply the changes to the stored copy and
   * write the result, in place when it fits. The changes are applied to
   * the copy this request read; when the file holds something else by the
   * time the lock is held, the worker answers with that content (keeping the
   * lock) and they are applied again to it.
   */
  private async replace(sessionId: string, file: string, change: SessionChange) {
    const known = this.snapshot?.sessionId === sessionId ? this.snapshot : null
    const lock = lockPathFor(this.options.location, sessionId)
    const deadline = Date.now() + this.lockWaitMs
    let base: Base | null = known && { ...this.toBase(known, known.text), tag: known.tag }
    let read = known?.values
    let token = 0
    let retagged: Retagged
    try {
      for (let attempt = 0; ; attempt++) {
        const { job, tags } = this.commitJob(sessionId, file, lock, base, change, read)
        const result: CommitResult = await this.runtime.worker.commit({ ...job, token })
        token = 'conflict' in result ? result.token : 0
        if ('done' in result) {
          retagged = tags
          break
        }
        if (Date.now() >= deadline) {
          throw this.lockTimeout('busy' in result, lock, file)
        }
        if ('busy' in result) {
          await lockBackoff(attempt)
          continue
        }
        base = result.conflict && this.toBase(result.conflict, unseal(result.conflict.raw))
        read = undefined
      }
    } catch (error) {
      if (token) {
        this.runtime.worker.release({ op: 'release', token, lock }).catch(() => {})
      }
      throw this.unavailable(error)
    }
    this.snapshot = null
    return retagged
  }

  private toBase(content: FileContent, text: string | false): Base {
    const { raw, size, mtimeMs } = content
    return { raw, size, mtimeMs, text, expired: mtimeMs + this.options.ageMs <= Date.now() }
  }

  private lockTimeout(busy: boolean, lock: string, file: string) {
    return lockTimeout(this.lockWaitMs, busy, lock, file)
  }

  /**
   * The write of the changes applied to `base`. `read` is what `read()`
   * returned for `base`, given while the request expects the file to hold
   * what it read: the session may then know the result without a replay.
   */
  private commitJob(
    sessionId: string,
    file: string,
    lock: string,
    base: Base | null,
    change: SessionChange,
    read?: Record<string, any> | null
  ): { job: Omit<CommitJob, 'token'>; tags: Retagged } {
    const unexpired = base && !base.expired ? base : null
    let stored: StoredSession | null | undefined
    const storedCopy = () => {
      stored = stored === undefined && unexpired ? this.decode(sessionId, unexpired.text) : stored
      return stored || null
    }
    const next = change.valuesOver(unexpired && read, () => storedCopy()?.values || null)
    const before = unexpired
      ? unexpired.tag !== undefined
        ? unexpired.tag
        : storedCopy()?.tag
      : null
    const after = change.tagOver(before || null, next)
    const text = next === null ? null : seal(this.codec.encode(sessionId, next, after))
    const length = text === null ? 0 : Buffer.byteLength(text)
    ensureFits('file', sessionId, length, this.maxPayloadBytes)
    const job = {
      op: 'commit' as const,
      file,
      lock,
      expect: base ? base.raw : null,
      expectSize: base ? base.size : 0,
      text,
      inPlace: base !== null && fitsInPlace(length, base),
      replaceSize: withHeadroom(length),
    }
    return { job, tags: { before: before || null, after } }
  }

  /**
   * Deletes the file under its lock, so that a write in flight either
   * lands before it or finds no file; then its id from its user's index
   */
  public async destroy(sessionId: string): Promise<void> {
    const read = this.lastRead && this.lastRead.sessionId === sessionId ? this.lastRead : null
    const tag = read ? read.tag : await this.inspect(sessionId)
    await this.destroyLocked(sessionId)
    if (tag) {
      await this.tags.remove(tag.userId, sessionId)
    }
  }

  private async destroyLocked(sessionId: string) {
    const file = this.pathFor(sessionId)
    const lock = lockPathFor(this.options.location, sessionId)
    const deadline = Date.now() + this.lockWaitMs
    for (let attempt = 0; ; attempt++) {
      const result = await this.runtime.worker
        .destroy({ op: 'destroy', file, lock })
        .catch((error) => {
          throw this.unavailable(error)
        })
      if ('done' in result) {
        return
      }
      if (Date.now() >= deadline) {
        throw this.lockTimeout(true, lock, file)
      }
      await lockBackoff(attempt)
    }
  }

  /**
   * Moves the modification time forward, at most once per `refreshAfter`
   * of the age; a session that was not found is not touched
   */
  public async touch(sessionId: string): Promise<void> {
    const snapshot = this.snapshot
    if (!snapshot || snapshot.sessionId !== sessionId) {
      return
    }
    if (Date.now() - snapshot.mtimeMs < this.options.refreshAfterMs) {
      return
    }
    const now = new Date()
    try {
      await fs.utimes(this.pathFor(sessionId), now, now).catch(ignoreMissing)
    } catch (error) {
      throw this.unavailable(error)
    }
  }

  /**
   * The file of a session. Ids are validated long before this point; the
   * check here keeps a path outside `file.location` impossible.
   */
  private pathFor(sessionId: string) {
    if (!isValidSessionId(sessionId)) {
      throw SessionRuntimeException.invalidSessionId('file')
    }
    return join(this.options.location, `${sessionId}.txt`)
  }

  /**
   * The file's content; null for a missing or expired file. A content that
   * fails its check was caught half-way through an in-place write: it is
   * read again.
   */
  private async readSnapshot(sessionId: string): Promise<Snapshot | null> {
    const file = this.pathFor(sessionId)
    for (let attempt = 0; ; attempt++) {
      const result = await this.runtime.worker.read({ op: 'read', file }).catch((error) => {
        throw this.unavailable(error)
      })
      if ('missing' in result || result.mtimeMs + this.options.ageMs <= Date.now()) {
        return null
      }
      const text = unseal(result.raw)
      if (text !== false || attempt === TORN_READ_RETRIES) {
        return { ...result, sessionId, text }
      }
    }
  }

  /**
   * The values in a file's unsealed content; a content that failed its
   * integrity check or is not a payload of this session reads as empty, with
   * a warning
   */
  private decode(sessionId: string, text: string | false): StoredSession | null {
    const warn = (reason: string) => {
      this.logger?.warn('ignoring unreadable session file for "%s": %s', shortId(sessionId), reason)
    }
    if (text === false) {
      warn('payload failed its integrity check')
      return null
    }
    return this.codec.decodeSession(sessionId, text, warn)
  }

  private unavailable(error: NodeJS.ErrnoException): Error {
    return fileUnavailable(error, this.options.location)
  }
}
