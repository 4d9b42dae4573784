import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * What the session recorded for one request. `ctx.session.stats` is an
 * internal diagnostic of @adonisjs/session 6.5 (not part of its contract),
 * filled in as the session reads and commits: nothing here is guessed.
 */
type SessionStats = {
  driver: string
  read: boolean
  readValues: Record<string, any> | null
  flash: 'none' | 'consumed' | 'kept'
  commit: 'pending' | 'none' | 'touch' | 'write' | 'regenerate'
  written: Record<string, any> | null
}

/**
 * A finished request's commit, as the next page shows it
 */
export type CommitReport = {
  method: string
  url: string
  status: number
  commit: SessionStats['commit']
  bytesWritten: number
  at: number
}

/**
 * The read of the request being rendered
 */
export type ReadReport = {
  driver: string
  read: boolean
  found: boolean
  bytesRead: number
  keys: number
  flash: SessionStats['flash']
}

/**
 * The last commit per session id, in this process. Bounded: the oldest
 * entries go first.
 */
const lastCommits: Map<string, CommitReport> = new Map()
const MAX_REPORTS = 1000

function statsOf(ctx: HttpContextContract): SessionStats | undefined {
  return (ctx.session as any).stats
}

function jsonBytes(values: Record<string, any> | null): number {
  return values ? Buffer.byteLength(JSON.stringify(values)) : 0
}

/**
 * What the session read for this request, before the page renders
 */
export function readReport(ctx: HttpContextContract): ReadReport | null {
  const stats = statsOf(ctx)
  if (!stats) {
    return null
  }
  return {
    driver: stats.driver,
    read: stats.read,
    found: stats.readValues !== null,
    bytesRead: jsonBytes(stats.readValues),
    keys: stats.readValues ? Object.keys(stats.readValues).length : 0,
    flash: stats.flash,
  }
}

/**
 * Keeps the commit of a finished request for the session's next page.
 * Requests that never initiated the session (static files) are skipped.
 */
export function recordCommit(ctx: HttpContextContract) {
  const stats = statsOf(ctx)
  if (!stats || !ctx.session.initiated || stats.commit === 'pending') {
    return
  }
  lastCommits.delete(ctx.session.sessionId)
  lastCommits.set(ctx.session.sessionId, {
    method: ctx.request.method(),
    url: ctx.request.url(),
    status: ctx.response.getStatus(),
    commit: stats.commit,
    bytesWritten:
      stats.commit === 'write' || stats.commit === 'regenerate' ? jsonBytes(stats.written) : 0,
    at: Date.now(),
  })
  if (lastCommits.size > MAX_REPORTS) {
    lastCommits.delete(lastCommits.keys().next().value)
  }
}

/**
 * The commit of the previous request on this session, if this process
 * served it
 */
export function previousCommit(ctx: HttpContextContract): CommitReport | null {
  return lastCommits.get(ctx.session.sessionId) || null
}
