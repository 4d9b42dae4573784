/*
 * @adonisjs/session
 */

/**
 * The absolute lifetime of one request's session (`maxLifetime`): when the
 * session was created, whether the copy read was past its lifetime, and
 * the creation time to store with the values. The creation time is kept
 * beside the values (a payload field, the data cookie's envelope), so
 * `regenerate()` keeps it and no request activity moves it. Without
 * `maxLifetime` it keeps no state, and one instance serves every request.
 */
export class SessionLifetime {
  /**
   * When the session read was created, null for none yet
   */
  public createdAt: number | null = null

  /**
   * True once a read found the session past `maxLifetime`
   */
  public ended = false

  /**
   * @param maxLifetimeMs null when sessions have no absolute lifetime
   * @param legacyCreatedAt the creation time assumed for sessions stored
   * without one (before `maxLifetime` was set): when the process started
   * @param now the clock creation times are taken from and compared with
   */
  constructor(
    public readonly maxLifetimeMs: number | null,
    private legacyCreatedAt: number = Date.now(),
    private now: () => number = Date.now
  ) {}

  /**
   * Whether a session stored with this creation time is still within its
   * lifetime; it becomes this request's creation time when it is
   */
  public admit(createdAt: unknown): boolean {
    if (this.maxLifetimeMs === null) {
      return true
    }
    const at =
      typeof createdAt === 'number' && Number.isFinite(createdAt)
        ? Math.min(createdAt, this.now())
        : this.legacyCreatedAt
    if (at + this.maxLifetimeMs <= this.now()) {
      this.ended = true
      return false
    }
    this.createdAt = at
    return true
  }

  /**
   * The creation time to store with the values (now for a new session), or
   * undefined when sessions have no absolute lifetime
   */
  public stamp(): number | undefined {
    if (this.maxLifetimeMs === null) {
      return undefined
    }
    this.createdAt = this.createdAt ?? this.now()
    return this.createdAt
  }

  /**
   * The session starts again: the next write stamps a new creation time
   */
  public restart() {
    // Without a lifetime nothing is kept: one instance serves every request
    if (this.maxLifetimeMs === null) {
      return
    }
    this.createdAt = null
  }
}

/**
 * A built-in driver that keeps the request's session lifetime
 */
export type LifetimeAware = { lifetime: SessionLifetime }

/**
 * The lifetime a driver keeps, or null for an extension's driver
 */
export function lifetimeOf(driver: unknown): SessionLifetime | null {
  const lifetime = (driver as Partial<LifetimeAware>)?.lifetime
  return lifetime instanceof SessionLifetime ? lifetime : null
}
