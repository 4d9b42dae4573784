/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionDriverContract } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../errors'
import { SessionTag, TagOp, isTaggingDriver, normalizeUserId } from '../Drivers/Shared/tags'

/**
 * What one request does to its session's tag: `tag()` and `untag()` in
 * order, and the `lastActiveAt` of a tagged session, which a request that
 * changes nothing stores only once per `refreshAfter`
 */
export class SessionTagging {
  private requested: TagOp[] = []

  /**
   * The tag the driver's read found
   */
  private stored: SessionTag | null = null

  constructor(
    private ctx: HttpContextContract,
    private driver: SessionDriverContract,
    private refreshAfterMs: number
  ) {}

  /**
   * True once `tag()` or `untag()` was called and not yet committed
   */
  public get changed(): boolean {
    return this.requested.length > 0
  }

  /**
   * Remember the tag the driver read for the session (none for a new one)
   */
  public read(sessionId: string | null) {
    this.stored = sessionId && isTaggingDriver(this.driver) ? this.driver.tagRead(sessionId) : null
  }

  public tag(userId: string | number) {
    const normalized = normalizeUserId(userId)
    if (normalized === null) {
      throw SessionRuntimeException.invalidUserId()
    }
    this.requested.push({
      op: 'tag',
      userId: normalized,
      at: Date.now(),
      ip: this.ctx.request.ip() || null,
      userAgent: this.ctx.request.header('user-agent') || null,
    })
  }

  public untag() {
    this.requested.push({ op: 'untag' })
  }

  /**
   * True when the session is tagged and its last activity is older than
   * `refreshAfter`: a request that changes nothing then writes it
   */
  public due(): boolean {
    return !!this.stored && Date.now() - this.stored.lastActiveAt >= this.refreshAfterMs
  }

  /**
   * The ops a commit stores; after `regenerate()` the tag read moves to
   * the new id first
   */
  public ops(regenerated: boolean): TagOp[] {
    const restore: TagOp[] = regenerated && this.stored ? [{ op: 'restore', tag: this.stored }] : []
    return [...restore, ...this.requested, { op: 'active', at: Date.now() }]
  }

  public committed() {
    this.requested = []
    this.stored = null
  }
}
