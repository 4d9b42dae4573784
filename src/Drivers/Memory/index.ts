/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { DEFAULT_MAX_PAYLOAD_BYTES, ensureFits } from '../Shared/payload'
import { SessionRuntimeException } from '../../errors'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { SessionTag, TagIndex, TaggingDriver, indexedWrite } from '../Shared/tags'

type Entry = { json: string; expiresAt: number; tag: SessionTag | null; createdAt?: number }

/**
 * The memory driver's index: a set of session ids per user
 */
class MemoryTagIndex implements TagIndex {
  constructor(private users: Map<string, Set<string>>) {}

  public add(userId: string, sessionId: string) {
    const ids = this.users.get(userId) || new Set()
    this.users.set(userId, ids.add(sessionId))
  }

  public remove(userId: string, sessionId: string) {
    const ids = this.users.get(userId)
    if (ids && ids.delete(sessionId) && ids.size === 0) {
      this.users.delete(userId)
    }
  }

  public members(userId: string) {
    return [...(this.users.get(userId) || [])]
  }
}
import { SessionLifetime } from '../Shared/lifetime'

/**
 * Keeps sessions in the process memory, for tests. Values are stored as JSON
 * text, so no request shares object references with another, and expire
 * after `age` like in the other drivers.
 */
export class MemoryDriver implements ChangeAwareDriver, TaggingDriver {
  /**
   * Every session of the process, by id
   */
  public static sessions: Map<string, Entry> = new Map()

  /**
   * The ids of the sessions of each user
   */
  public static users: Map<string, Set<string>> = new Map()

  public readonly tags = new MemoryTagIndex(MemoryDriver.users)

  private static writesSinceSweep = 0

  /**
   * @param lifetime the request's session lifetime; the creation time is
   * kept beside the values
   */
  constructor(
    private ageMs: number,
    public readonly lifetime: SessionLifetime = new SessionLifetime(null),
    private maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES
  ) {}

  /**
   * Drop the expired sessions; runs every 1000 writes
   */
  public static sweep(now: number = Date.now()) {
    for (const [id, entry] of this.sessions) {
      if (entry.expiresAt <= now) {
        this.sessions.delete(id)
        entry.tag && new MemoryTagIndex(this.users).remove(entry.tag.userId, id)
      }
    }
  }

  public read(sessionId: string): Record<string, any> | null {
    const entry = this.live(sessionId)
    return entry && JSON.parse(entry.json)
  }

  /**
   * The tag of a live session
   */
  public inspect(sessionId: string): SessionTag | null {
    const entry = this.live(sessionId)
    return entry && entry.tag
  }

  public tagRead(sessionId: string): SessionTag | null {
    return this.inspect(sessionId)
  }

  private live(sessionId: string): Entry | null {
    const entry = MemoryDriver.sessions.get(sessionId)
    if (!entry) {
      return null
    }
    if (entry.expiresAt <= Date.now()) {
      MemoryDriver.sessions.delete(sessionId)
      return null
    }
    return this.lifetime.admit(entry.createdAt) ? entry : null
  }

  public write(sessionId: string, values: Record<string, any>, tag?: SessionTag | null): void {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('memory')
    }
    const json = JSON.stringify(values)
    if (json.length * 3 > this.maxPayloadBytes) {
      ensureFits('memory', sessionId, Buffer.byteLength(json), this.maxPayloadBytes)
    }
    MemoryDriver.sessions.set(sessionId, {
      json,
      expiresAt: Date.now() + this.ageMs,
      tag: tag === undefined ? this.live(sessionId)?.tag || null : tag,
      createdAt: this.lifetime.stamp(),
    })
    if (++MemoryDriver.writesSinceSweep >= 1000) {
      MemoryDriver.writesSinceSweep = 0
      MemoryDriver.sweep()
    }
  }

  /**
   * Read, change and write in one synchronous step: nothing can interleave
   */
  public update(sessionId: string, updater: SessionUpdater): Promise<void> {
    return this.applyChange(sessionId, new SessionChange(updater))
  }

  /**
   * The change and its tag in one synchronous step; the index follows
   */
  public applyChange(sessionId: string, change: SessionChange): Promise<void> {
    return indexedWrite(this.tags, sessionId, change.tagOps, async () => {
      const before = this.inspect(sessionId)
      const next = change.replay(this.read(sessionId))
      const after = change.tagOver(before, next)
      if (next === null) {
        MemoryDriver.sessions.delete(sessionId)
      } else {
        this.write(sessionId, next, after)
      }
      return { before, after }
    })
  }

  /**
   * Remove the session, and its id from its user's index
   */
  public destroy(sessionId: string): void {
    const entry = MemoryDriver.sessions.get(sessionId)
    MemoryDriver.sessions.delete(sessionId)
    if (entry && entry.tag) {
      this.tags.remove(entry.tag.userId, sessionId)
    }
  }

  public touch(sessionId: string): void {
    const entry = MemoryDriver.sessions.get(sessionId)
    if (entry) {
      entry.expiresAt = Date.now() + this.ageMs
    }
  }
}
