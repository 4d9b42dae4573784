/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import {
  SessionCollectionContract,
  SessionDriverContract,
  TaggedSession,
} from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionTaggingNotSupportedException } from '../errors'
import { SessionTag, TaggingDriver, isTaggingDriver, normalizeUserId } from '../Drivers/Shared/tags'
import { isValidSessionId } from '../SessionId'
import debug from '../debug'

/**
 * The sessions of the app's store, by user (`Session.sessions()`), outside
 * of any request: list a user's sessions, end one, end all but one. Works on
 * the drivers that keep an index of sessions per user; on the others every
 * method raises E_SESSION_TAGGING_NOT_SUPPORTED.
 */
export class SessionCollection implements SessionCollectionContract {
  constructor(private driverName: string, private driver: () => SessionDriverContract) {}

  /**
   * True when the configured driver can list and destroy sessions by user
   */
  public supportsTagging(): boolean {
    return isTaggingDriver(this.driver())
  }

  /**
   * The live sessions tagged with the user, the most recently active
   * first. Ids the index still holds for sessions that expired, were
   * destroyed or now belong to someone else are dropped from it.
   */
  public async tagged(userId: string | number): Promise<TaggedSession[]> {
    const user = this.userId(userId)
    const driver = this.tagging()
    const ids = await driver.tags.members(user)
    const tags = await Promise.all(ids.map((id) => this.liveTag(driver, id)))
    const sessions: TaggedSession[] = []
    for (const [index, tag] of tags.entries()) {
      if (tag && tag.userId === user) {
        sessions.push(describe(ids[index], tag))
      } else {
        await driver.tags.remove(user, ids[index])
      }
    }
    debug(
      'listed %d sessions of a user, dropped %d from the index',
      sessions.length,
      ids.length - sessions.length
    )
    return sessions.sort((a, b) => b.lastActiveAt.getTime() - a.lastActiveAt.getTime())
  }

  /**
   * End one session: the next request with its cookie gets a new, empty
   * session
   */
  public async destroy(sessionId: string): Promise<void> {
    const driver = this.tagging()
    if (isValidSessionId(sessionId)) {
      await driver.destroy(sessionId)
    }
  }

  /**
   * End every session of the user, except the one given (the current
   * one, to sign out the other devices); resolves with how many ended
   */
  public async destroyTagged(
    userId: string | number,
    options: { except?: string } = {}
  ): Promise<number> {
    const sessions = await this.tagged(userId)
    const ended = sessions.filter((session) => session.id !== options.except)
    const driver = this.tagging()
    await Promise.all(ended.map((session) => driver.destroy(session.id)))
    return ended.length
  }

  private tagging(): TaggingDriver {
    const driver = this.driver()
    if (!isTaggingDriver(driver)) {
      throw SessionTaggingNotSupportedException.driver(this.driverName)
    }
    return driver
  }

  private userId(userId: unknown): string {
    const user = normalizeUserId(userId)
    if (user === null) {
      throw SessionRuntimeException.invalidUserId()
    }
    return user
  }

  /**
   * The session's tag, when its id can be one of a session
   */
  private async liveTag(driver: TaggingDriver, sessionId: string): Promise<SessionTag | null> {
    return isValidSessionId(sessionId) ? driver.inspect(sessionId) : null
  }
}

function describe(id: string, tag: SessionTag): TaggedSession {
  return {
    id,
    userId: tag.userId,
    createdAt: new Date(tag.createdAt),
    lastActiveAt: new Date(tag.lastActiveAt),
    ip: tag.ip,
    userAgent: tag.userAgent,
  }
}
