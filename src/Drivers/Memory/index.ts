/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../../errors'
import { SessionLifetime } from '../Shared/lifetime'

type Entry = { json: string; expiresAt: number; createdAt?: number }

/**
 * Keeps sessions in the process memory, for tests. Values are stored as JSON
 * text, so no request shares object references with another, and expire
 * after `age` like in the other drivers.
 */
export class MemoryDriver implements SessionDriverContract {
  /**
   * Every session of the process, by id
   */
  public static sessions: Map<string, Entry> = new Map()

  private static writesSinceSweep = 0

  /**
   * @param lifetime the request's session lifetime; the creation time is
   * kept beside the values
   */
  constructor(
    private ageMs: number,
    public readonly lifetime: SessionLifetime = new SessionLifetime(null)
  ) {}

  /**
   * Drop the expired sessions; runs every 1000 writes
   */
  public static sweep(now: number = Date.now()) {
    for (const [id, entry] of this.sessions) {
      if (entry.expiresAt <= now) {
        this.sessions.delete(id)
      }
    }
  }

  public read(sessionId: string): Record<string, any> | null {
    const entry = MemoryDriver.sessions.get(sessionId)
    if (!entry) {
      return null
    }
    if (entry.expiresAt <= Date.now()) {
      MemoryDriver.sessions.delete(sessionId)
      return null
    }
    return this.lifetime.admit(entry.createdAt) ? JSON.parse(entry.json) : null
  }

  public write(sessionId: string, values: Record<string, any>): void {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('memory')
    }
    MemoryDriver.sessions.set(sessionId, {
      json: JSON.stringify(values),
      expiresAt: Date.now() + this.ageMs,
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
  public update(sessionId: string, updater: SessionUpdater): void {
    const next = updater(this.read(sessionId))
    if (next === null) {
      this.destroy(sessionId)
    } else {
      this.write(sessionId, next)
    }
  }

  public destroy(sessionId: string): void {
    MemoryDriver.sessions.delete(sessionId)
  }

  public touch(sessionId: string): void {
    const entry = MemoryDriver.sessions.get(sessionId)
    if (entry) {
      entry.expiresAt = Date.now() + this.ageMs
    }
  }
}
