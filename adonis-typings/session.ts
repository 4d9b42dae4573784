/*
 * @adonisjs/session
 *
 * An independent reimplementation of the AdonisJS v5 session provider.
 */

declare module '@ioc:Adonis/Addons/Session' {
  import { IncomingMessage } from 'http'
  import { CookieOptions } from '@ioc:Adonis/Core/Response'
  import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
  import { ApplicationContract } from '@ioc:Adonis/Core/Application'

  /**
   * Shape of the `config/session.ts` file
   */
  export interface SessionConfig {
    /**
     * Turns sessions on or off for the whole app. When false, no hooks run,
     * no cookie is sent and the store is never touched.
     */
    enabled: boolean

    /**
     * The driver to use: `cookie`, `file`, `redis`, `database`, `memory` or one added
     * with `Session.extend`
     */
    driver: string

    /**
     * Name of the cookie that carries the (signed) session id
     */
    cookieName: string

    /**
     * When true, the session id cookie is a browser-session cookie (no Max-Age)
     */
    clearWithBrowser: boolean

    /**
     * Idle lifetime of a session: a duration string (`'2h'`, `'2 days'`) or
     * a number of milliseconds. Used for the cookie Max-Age, the Redis TTL
     * and the file expiry alike.
     */
    age: string | number

    /**
     * Options for the session id cookie; the cookie driver uses them for the
     * data cookie as well. `partitioned` (CHIPS, requires `secure`) and
     * `priority` are sent on both cookies.
     */
    cookie: Omit<Partial<CookieOptions>, 'maxAge' | 'expires'> & {
      partitioned?: boolean
      priority?: 'low' | 'medium' | 'high'
    }

    /**
     * Config for the file driver
     */
    file?: {
      location: string
      /**
       * How long a write waits for a lock another writer holds before
       * failing with `E_SESSION_STORE_UNAVAILABLE`. Defaults to `'5s'`.
       */
      lockTimeout?: string | number
    }

    /**
     * Name of the connection in `config/redis.ts` used by the redis driver
     */
    redisConnection?: string

    /**
     * Config for the database driver: a connection of `config/database.ts`
     * (its default connection when omitted) and the table (`sessions`)
     */
    database?: {
      connection?: string
      table?: string
    }

    /**
     * Request fields that `flashAll`, `flashOnly` and `flashExcept` never
     * store. Defaults to `['password', 'password_confirmation']`.
     */
    dontFlash?: string[]

    /**
     * Share of `age` (0 to 1) after which a request that changes nothing
     * refreshes the store's expiry: the file driver's modification time and
     * the cookie driver's data cookie. Defaults to `0.1`.
     */
    refreshAfter?: number

    /**
     * Probability (0 to 1) that a request schedules a background sweep of
     * expired file sessions or database rows. Defaults to `0.01`. Use `0` to sweep only with
     * `node ace session:gc`.
     */
    gcProbability?: number

    /**
     * How long a request waits for the redis or database store before failing with
     * `E_SESSION_STORE_UNAVAILABLE`. Duration string or milliseconds.
     * Defaults to `'1.5s'`.
     */
    storeTimeout?: string | number

    /**
     * Largest payload the file, redis and memory drivers store; a write over
     * it fails with `E_SESSION_PAYLOAD_TOO_LARGE`. Size string (`'1mb'`) or
     * bytes. Defaults to `'1mb'`.
     */
    maxPayloadSize?: string | number

    /**
     * Flashed input values (`flashAll`, `flashOnly`, `flashExcept`) over this
     * size are left out, with a warning. Size string or bytes. Defaults to
     * `'4kb'`.
     */
    flashInputLimit?: string | number

    /**
     * Absolute lifetime: a session older than this since it was created
     * reads as empty, however active. Duration string or milliseconds.
     * Off by default.
     */
    maxLifetime?: string | number

    /**
     * Former `APP_KEY` values: id and data cookies (and encrypted payloads)
     * signed or encrypted with them are still read after a rotation;
     * everything is written with the current key. Defaults to `[]`.
     */
    previousAppKeys?: string[]

    /**
     * Store the file and redis payloads encrypted with the app key.
     * Defaults to `false`; plain payloads are read either way.
     */
    encrypt?: boolean

    /**
     * Send `Vary: Cookie` on responses whose handler or templates read the
     * session. Defaults to `true`.
     */
    varyCookie?: boolean
  }

  /**
   * One change made by a request, recorded in order. Drivers that implement
   * `update` replay them onto the freshest stored copy. `key` is a dot path,
   * or a top-level key taken literally when `literal` is true.
   */
  export type SessionMutation =
    | { op: 'set'; key: string; value: any; literal?: boolean }
    | { op: 'unset'; key: string; literal?: boolean }
    | { op: 'increment'; key: string; steps: number }
    | { op: 'clear' }
    | { op: 'flashConsume'; values: Record<string, any> }
    | { op: 'flashMerge'; values: Record<string, any> }

  /**
   * Computes the values to store from the values currently stored (`null`
   * when there are none). Returning `null` deletes the record. A driver may
   * call it more than once (again after a concurrent write), so it must not
   * change its argument or anything else.
   */
  export type SessionUpdater = (current: Record<string, any> | null) => Record<string, any> | null

  /**
   * The contract every session driver implements. A new driver instance is
   * created for every HTTP request. Each method may be sync or async.
   *
   * - `read` receives the session id and returns the stored object, or `null`
   *   when the session is missing, expired or its payload is unreadable.
   * - `write` receives the session id and the whole object to store.
   * - `destroy` removes the session and its data.
   * - `touch` resets the expiry without changing the data.
   *
   * A driver may also implement `update` to apply a request's changes
   * atomically onto the latest stored copy. Without it, the session falls
   * back to whole-object writes (the last writer wins).
   */
  export interface SessionDriverContract {
    read(sessionId: string): Promise<Record<string, any> | null> | Record<string, any> | null
    write(sessionId: string, values: Record<string, any>): Promise<void> | void
    destroy(sessionId: string): Promise<void> | void
    touch(sessionId: string): Promise<void> | void
    update?(sessionId: string, updater: SessionUpdater): Promise<void> | void
  }

  /**
   * The callback given to `Session.extend`. Invoked once per request that
   * uses the driver, and for each request of the Japa api-client helpers
   * (with a context describing the test request). `config` is exactly the
   * value of `config/session.ts` under the driver's name (`{}` when there
   * is none); the whole session config is `manager.config`.
   */
  export type ExtendCallback = (
    manager: SessionManagerContract,
    config: any,
    ctx: HttpContextContract
  ) => SessionDriverContract

  /**
   * The values accepted by `session.put`
   */
  export type AllowedSessionValues = string | boolean | number | object | Date | Array<any>

  /**
   * A bag of values addressed by dot paths (`errors.title`). Used for the
   * session values, the flash messages and the test client.
   */
  export interface StoreContract {
    /**
     * True when the store holds no keys
     */
    readonly isEmpty: boolean

    /**
     * Set a value at a key or dot path
     */
    set(key: string, value: AllowedSessionValues): void

    /**
     * Add `steps` to a number (a missing key counts as 0). Raises when the
     * current value is not a number.
     */
    increment(key: string, steps?: number): void

    /**
     * Subtract `steps` from a number (a missing key counts as 0). Raises
     * when the current value is not a number.
     */
    decrement(key: string, steps?: number): void

    /**
     * Replace every value
     */
    update(values: Record<string, any>): void

    /**
     * Deep merge values into the existing ones
     */
    merge(values: Record<string, any>): any

    /**
     * All values
     */
    all(): any

    /**
     * The value at a key, or `defaultValue` when it is undefined or null
     */
    get(key: string, defaultValue?: any): any

    /**
     * True for any stored value except undefined, null and (unless
     * `checkForArraysLength` is false) an empty array
     */
    has(key: string, checkForArraysLength?: boolean): boolean

    /**
     * Remove a key
     */
    unset(key: string): void

    /**
     * Remove every key
     */
    clear(): void

    /**
     * Read a value and remove it
     */
    pull(key: string, defaultValue?: any): any

    /**
     * The values as a plain object
     */
    toObject(): any

    /**
     * The values, for JSON.stringify
     */
    toJSON(): any
  }

  /**
   * The per-request session, available as `ctx.session`
   */
  export interface SessionContract {
    /**
     * True once `initiate` has read the store
     */
    initiated: boolean

    /**
     * True when initiated with `initiate(true)`: every mutation raises
     */
    readonly: boolean

    /**
     * True when the session id was created during this request (a new
     * session, or after `regenerate()`)
     */
    fresh: boolean

    /**
     * The session id
     */
    sessionId: string

    /**
     * Flash messages set by the previous request
     */
    flashMessages: StoreContract

    /**
     * Flash messages to hand to the next request
     */
    responseFlashMessages: StoreContract

    /**
     * Read the session from the driver. Called by the server hook.
     */
    initiate(readonly: boolean): Promise<void>

    /**
     * Persist the changes and refresh the session id cookie. Called by the
     * server hook.
     */
    commit(): Promise<void>

    /**
     * Give the session a new id, keeping its data and tag; the old record
     * is destroyed at commit
     */
    regenerate(): void

    /**
     * Tie the session to a user (a string or a number), so that
     * `Session.sessions()` can list and end it. Stored at commit with the
     * IP address and user agent of this request.
     */
    tag(userId: string | number): void

    /**
     * Untie the session from its user
     */
    untag(): void

    has(key: string): boolean
    put(key: string, value: AllowedSessionValues): void
    get(key: string, defaultValue?: any): any
    all(): any
    forget(key: string): void
    pull(key: string, defaultValue?: any): any
    increment(key: string, steps?: number): any
    decrement(key: string, steps?: number): any
    clear(): void

    /**
     * Flash a key-value pair, or an object of them
     */
    flash(values: { [key: string]: AllowedSessionValues }): void
    flash(key: string, value: AllowedSessionValues): void

    /**
     * A flash message for the current request only: its templates and
     * `flashMessages` see it, it is never stored
     */
    flashNow(values: { [key: string]: AllowedSessionValues }): void
    flashNow(key: string, value: AllowedSessionValues): void

    /**
     * Flash the request body (minus the `dontFlash` fields)
     */
    flashAll(): void

    /**
     * Flash the given fields of the request body
     */
    flashOnly(keys: string[]): void

    /**
     * Flash the request body except the given fields
     */
    flashExcept(keys: string[]): void

    /**
     * Flash again the messages of the previous request
     */
    reflash(): void

    /**
     * Flash again the given keys of the previous request's messages
     */
    reflashOnly(keys: string[]): void

    /**
     * Flash again the previous request's messages except the given keys
     */
    reflashExcept(keys: string[]): void
  }

  /**
   * The reading half of a store: what a read-only session hands out
   */
  export type ReadonlyStoreContract = Pick<
    StoreContract,
    'isEmpty' | 'get' | 'has' | 'all' | 'toObject' | 'toJSON'
  >

  /**
   * The session of a WebSocket connection, from `Session.readonly(request)`:
   * what one store read found. Its mutation methods exist only to raise
   * `E_RUNTIME_EXCEPTION` (readonly) for untyped callers.
   */
  export interface ReadonlySessionContract {
    /**
     * Always true
     */
    readonly readonly: true

    /**
     * Always true: the store was read before the session was handed out
     */
    readonly initiated: true

    /**
     * True when the request carried no valid session id cookie: the session
     * is empty and its id is stored nowhere
     */
    readonly fresh: boolean

    /**
     * The session id, as HTTP requests of the same browser see it
     */
    readonly sessionId: string

    /**
     * Flash messages waiting for the next HTTP request; reading them here
     * does not consume them
     */
    readonly flashMessages: ReadonlyStoreContract

    has(key: string): boolean
    get(key: string, defaultValue?: any): any
    all(): any
  }

  /**
   * What templates rendered during a request get from the session (with
   * `@adonisjs/view`), next to the `@flashMessage`, `@error` and
   * `@inputError` tags
   */
  export interface SessionViewLocals {
    /**
     * The flash messages of the previous request, and those of `flashNow`
     */
    flashMessages: StoreContract
    /**
     * Read-only access to the session values
     */
    session: Pick<SessionContract, 'get' | 'has' | 'all'>
    /**
     * The flashed input of a form field (dot paths for nested fields), or
     * `defaultValue`
     */
    old(field: string, defaultValue?: any): any
  }

  /**
   * The client the Japa api-client bindings use to prepare a session before
   * a request and read it back after the response
   */
  export interface SessionClientContract extends StoreContract {
    /**
     * True when sessions are enabled in `config/session.ts`
     */
    isEnabled(): boolean

    /**
     * Flash messages to send with the request
     */
    flashMessages: StoreContract

    /**
     * Tag the session sent with the request with a user
     */
    tag(userId: string | number): void

    /**
     * Load the session named by the response cookies
     */
    load(cookies: Record<string, any>): Promise<{
      session: Record<string, any>
      flashMessages: Record<string, any> | null
    }>

    /**
     * Store the values and flash messages and return the cookies the
     * request must carry
     */
    commit(): Promise<{
      cookieName: string
      sessionId: string
      signedSessionId: string
      cookies: Record<string, string>
    }>

    /**
     * Remove the session from the store
     */
    forget(): Promise<void>
  }

  /**
   * Deletes the file driver's expired sessions (`node ace session:gc`)
   */
  export interface SessionSweeperContract {
    /**
     * Delete every expired session file; resolves with the number deleted
     */
    sweep(): Promise<number>
  }

  /**
   * A live session of a user, as `Session.sessions().tagged()` lists it.
   * `ip` and `userAgent` are those of the request that tagged it;
   * `lastActiveAt` moves on with its requests, stored at most once per
   * `refreshAfter` by requests that change nothing.
   */
  export type TaggedSession = {
    id: string
    userId: string
    createdAt: Date
    lastActiveAt: Date
    ip: string | null
    userAgent: string | null
  }

  /**
   * The sessions of the store by user, outside of any request. The cookie
   * driver and extended drivers keep no such index: every method but
   * `supportsTagging` raises E_SESSION_TAGGING_NOT_SUPPORTED there.
   */
  export interface SessionCollectionContract {
    /**
     * True when the configured driver can list and destroy sessions by user
     */
    supportsTagging(): boolean

    /**
     * The user's live sessions, the most recently active first
     */
    tagged(userId: string | number): Promise<TaggedSession[]>

    /**
     * End one session now: the next request with its cookie gets a new,
     * empty session
     */
    destroy(sessionId: string): Promise<void>

    /**
     * End every session of the user but `except` (usually the current
     * one); resolves with how many ended
     */
    destroyTagged(userId: string | number, options?: { except?: string }): Promise<number>
  }

  /**
   * The session manager, bound to `Adonis/Addons/Session`
   */
  export interface SessionManagerContract {
    application: ApplicationContract

    /**
     * `config/session.ts`, validated and normalised at boot (defaults
     * applied), the whole config an extension may read
     */
    readonly config: SessionConfig

    /**
     * Resolve the configured driver now, raising its config errors. The
     * provider calls it once the app is ready.
     */
    validateDriver(): void

    /**
     * The sweeper of the built-in file driver, or null for other drivers
     */
    sweeper(): SessionSweeperContract | null

    /**
     * Stop what the drivers share (the file worker, pending listeners). The
     * provider calls it when the app shuts down.
     */
    close(): Promise<void>

    /**
     * True when sessions are enabled in `config/session.ts`
     */
    isEnabled(): boolean

    /**
     * A session client for tests, storing through the configured driver.
     * `ctx` is the context a custom driver's callback receives.
     */
    client(ctx?: HttpContextContract): SessionClientContract

    /**
     * The session of one HTTP request
     */
    create(ctx: HttpContextContract): SessionContract

    /**
     * The read-only session of a WebSocket connection: pass the request of
     * the HTTP server's `upgrade` event, or socket.io's `socket.request`.
     * Rejects only when the store is unavailable.
     */
    readonly(request: IncomingMessage): Promise<ReadonlySessionContract>

    /**
     * The sessions of the configured store by user: list a user's devices,
     * sign out one or all the others
     */
    sessions(): SessionCollectionContract

    /**
     * Add a driver, or replace a built-in one
     */
    extend(driver: string, callback: ExtendCallback): void
  }

  const Session: SessionManagerContract
  export default Session
}
