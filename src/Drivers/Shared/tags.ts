/*
 * @adonisjs/session
 */

/**
 * The user a session is tagged with, stored in the payload next to the
 * values (never among them): who, since when, when last active, and the
 * IP address and user agent of the request that tagged it
 */
export type SessionTag = {
  userId: string
  createdAt: number
  lastActiveAt: number
  ip: string | null
  userAgent: string | null
}

/**
 * One change a request made to its session's tag, in order. `restore`
 * carries the tag over to a regenerated id; `active` marks a request of a
 * tagged session.
 */
export type TagOp =
  | { op: 'tag'; userId: string; at: number; ip: string | null; userAgent: string | null }
  | { op: 'untag' }
  | { op: 'restore'; tag: SessionTag }
  | { op: 'active'; at: number }

/**
 * The tag after a request's ops, applied to the tag stored now. Any write
 * of a tagged session is an activity: it moves `lastActiveAt` forward.
 * Tagging with the user already there keeps the first IP and user agent.
 */
export function applyTagOps(current: SessionTag | null, ops: TagOp[]): SessionTag | null {
  return ops.reduce<SessionTag | null>((tag, change) => {
    switch (change.op) {
      case 'untag':
        return null
      case 'restore':
        return { ...change.tag }
      case 'active':
        return tag && { ...tag, lastActiveAt: Math.max(tag.lastActiveAt, change.at) }
      case 'tag':
        if (tag && tag.userId === change.userId) {
          return { ...tag, lastActiveAt: Math.max(tag.lastActiveAt, change.at) }
        }
        return {
          userId: change.userId,
          createdAt: change.at,
          lastActiveAt: change.at,
          ip: change.ip,
          userAgent: change.userAgent,
        }
    }
  }, current)
}

/**
 * The users whose index a write with these ops may add the session to:
 * they are added before the write, so an index always lists every session
 * tagged with its user (and maybe more, which listing drops)
 */
export function usersTaggedBy(ops: TagOp[]): string[] {
  const users: string[] = []
  for (const change of ops) {
    const userId =
      change.op === 'tag' ? change.userId : change.op === 'restore' ? change.tag.userId : null
    if (userId !== null && !users.includes(userId)) {
      users.push(userId)
    }
  }
  return users
}

/**
 * A stored tag as read from a payload, or null when it is not one
 */
export function readTag(value: unknown): SessionTag | null {
  if (!value || typeof value !== 'object') {
    return null
  }
  const tag = value as Record<string, unknown>
  if (typeof tag.userId !== 'string' || typeof tag.createdAt !== 'number') {
    return null
  }
  return {
    userId: tag.userId,
    createdAt: tag.createdAt,
    lastActiveAt: typeof tag.lastActiveAt === 'number' ? tag.lastActiveAt : tag.createdAt,
    ip: typeof tag.ip === 'string' ? tag.ip : null,
    userAgent: typeof tag.userAgent === 'string' ? tag.userAgent : null,
  }
}

/**
 * Per driver, which sessions each user has: a superset of the sessions
 * tagged with the user (a session's own payload is the truth, and listing
 * drops the ids whose payload says otherwise). A store that keeps the
 * user next to the session (a database column) has nothing to do in
 * `add` and `remove`.
 */
export interface TagIndex {
  add(userId: string, sessionId: string): Promise<void> | void
  remove(userId: string, sessionId: string): Promise<void> | void
  members(userId: string): Promise<string[]> | string[]
}

/**
 * A built-in driver that stores tags: its index, the tag of a live session
 * (read without refreshing its expiry), and the tag its last read found
 */
export interface TaggingDriver {
  readonly tags: TagIndex
  inspect(sessionId: string): Promise<SessionTag | null> | SessionTag | null
  tagRead(sessionId: string): SessionTag | null
  destroy(sessionId: string): Promise<void> | void
}

/**
 * Asks `in` rather than reading `tags`, which a driver may build on first use
 */
export function isTaggingDriver(driver: unknown): driver is TaggingDriver {
  const candidate = driver as Partial<TaggingDriver>
  return (
    !!candidate &&
    typeof candidate === 'object' &&
    'tags' in candidate &&
    typeof candidate.inspect === 'function' &&
    typeof candidate.tagRead === 'function'
  )
}

/**
 * Keep the index in step with one write of a session: add its id to the
 * users the write may tag it with before the write, and remove it from the
 * user it was tagged with before, once the write changed that
 */
export async function indexedWrite(
  index: TagIndex,
  sessionId: string,
  ops: TagOp[],
  write: () => Promise<{ before: SessionTag | null; after: SessionTag | null }>
) {
  for (const userId of usersTaggedBy(ops)) {
    await index.add(userId, sessionId)
  }
  const { before, after } = await write()
  if (before && before.userId !== after?.userId) {
    await index.remove(before.userId, sessionId)
  }
}

/**
 * Users are given as strings or numbers; the index keys them as strings
 */
export function normalizeUserId(userId: unknown): string | null {
  if (typeof userId === 'number' && Number.isFinite(userId)) {
    return String(userId)
  }
  return typeof userId === 'string' && userId.length > 0 ? userId : null
}
