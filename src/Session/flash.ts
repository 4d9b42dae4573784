/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { AllowedSessionValues, SessionMutation } from '@ioc:Adonis/Addons/Session'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { Store, isPlainObject, withoutUnsafeKeys } from '../Store'
import { FLASH_KEY, copyOf } from '../Store/mutations'
import { withoutFields, withoutLargeValues } from './dontFlash'
import { isPrefetch, prefersJson } from './requestKind'

type Values = Record<string, any>
type Messages = string | { [key: string]: AllowedSessionValues }

/**
 * The values at `keys` of `source`, at their paths
 */
function pick(source: Values, keys: string[]): Values {
  const from = new Store(source)
  const picked = new Store({})
  for (const key of keys) {
    const value = from.get(key)
    if (value !== undefined) {
      picked.set(key, value)
    }
  }
  return picked.all()
}

/**
 * `source` without the values at `keys`
 */
function omit(source: Values, keys: string[]): Values {
  const rest = new Store(copyOf(source))
  keys.forEach((key) => rest.unset(key))
  return rest.all()
}

/**
 * Add one message, or an object of them, to a bag
 */
function addTo(bag: Store, key: Messages, value?: any) {
  if (typeof key === 'string') {
    bag.set(key, withoutUnsafeKeys(value))
  } else {
    bag.merge(key)
  }
}

/**
 * The flash messages of one request: those the previous request left
 * (`messages`), those this request sets for the next one (`outgoing`), and
 * what the commit must do with both
 */
export class SessionFlash {
  /**
   * Flash messages of the previous request, plus those of `now()`
   */
  public readonly messages = new Store({})

  /**
   * Flash messages for the next request; flashed input waits under `input`
   * (as in 6.4) and goes to the top level at commit
   */
  public readonly outgoing = new Store({})

  /**
   * True for a prefetch: flash messages set by it are not stored, since
   * the user may never see the page it produced
   */
  public dropsOutgoing = false

  /**
   * The previous request's messages as read (never edited), without those
   * of `now()`: what the reflash methods carry on
   */
  private incoming: Values = {}

  /**
   * Read messages this request consumes: removed from the store at commit
   */
  private consumed: Values | null = null

  /**
   * Read messages this request leaves for the next one (prefetch, JSON,
   * read-only): they stay stored as they were
   */
  private kept: Values | null = null

  constructor(
    private config: { dontFlash: string[]; flashInputLimitBytes: number },
    private logger: LoggerContract
  ) {}

  /**
   * Move the previous request's messages out of the values. A prefetch, a
   * request that prefers JSON and a read-only session do not consume them:
   * they are shown to this request and stay stored. A prefetch's own
   * messages are dropped.
   */
  public take(store: Store, request: RequestContract, readonly: boolean) {
    const prefetch = isPrefetch(request)
    this.dropsOutgoing = prefetch
    return this.move(store, !readonly && !prefetch && !prefersJson(request))
  }

  /**
   * Move the previous request's messages out of the values; when not
   * consuming them, they are shown to this request and stay stored
   */
  private move(store: Store, consume: boolean): 'none' | 'consumed' | 'kept' {
    const flash = store.get(FLASH_KEY)
    if (store.all()[FLASH_KEY] !== undefined) {
      store.unset(FLASH_KEY)
    }
    if (!isPlainObject(flash) || !Object.keys(flash).length) {
      return 'none'
    }
    if (consume) {
      this.consumed = flash
    } else {
      this.kept = flash
    }
    this.incoming = flash
    this.messages.update(JSON.parse(JSON.stringify(flash)))
    return consume ? 'consumed' : 'kept'
  }

  public set(key: Messages, value?: any) {
    addTo(this.outgoing, key, value)
  }

  /**
   * A message for this request only: never stored
   */
  public now(key: Messages, value?: any) {
    addTo(this.messages, key, value)
  }

  /**
   * Flash request input, minus the `dontFlash` fields at any depth and the
   * values over `flashInputLimit` (with a warning)
   */
  public input(input: Values, only?: string[], except?: string[]) {
    const chosen = only ? pick(input, only) : except ? omit(input, except) : input
    const limit = this.config.flashInputLimitBytes
    const flashable = withoutLargeValues(
      withoutFields(chosen, this.config.dontFlash),
      limit,
      (path, size) => this.warnSkipped(path, size, limit)
    )
    this.outgoing.set('input', flashable)
  }

  /**
   * Name the input left out on the request's logger
   */
  private warnSkipped(path: string, size: number, limit: number) {
    this.logger.warn(
      'not flashing input "%s": %d bytes, over flashInputLimit (%d bytes)',
      path,
      size,
      limit
    )
  }

  /**
   * Carry the previous request's messages (or some of them) on
   */
  public reflash(only?: string[], except?: string[]) {
    const incoming = this.incoming
    this.set(only ? pick(incoming, only) : except ? omit(incoming, except) : copyOf(incoming))
  }

  /**
   * The flash changes of the commit: consumed messages, then new ones
   */
  public changes(): SessionMutation[] {
    const changes: SessionMutation[] = []
    if (this.consumed) {
      changes.push({ op: 'flashConsume', values: this.consumed })
    }
    const outgoing = this.outgoingMessages()
    if (outgoing) {
      changes.push({ op: 'flashMerge', values: outgoing })
    }
    return changes
  }

  /**
   * The messages to store: the kept ones under the new ones
   */
  public stored(readonly: boolean): Values | null {
    const outgoing = readonly ? null : this.outgoingMessages()
    if (!this.kept) {
      return outgoing
    }
    return outgoing ? { ...this.kept, ...outgoing } : this.kept
  }

  /**
   * The outgoing keys that hold flashed input (not overridden by an
   * explicit flash): a store with a size limit may leave those out, so a
   * validation redirect never fails
   */
  public inputKeys(): string[] {
    const { input, ...messages } = this.outgoing.all()
    if (!isPlainObject(input)) {
      return []
    }
    return Object.keys(input).filter((key) => !Object.hasOwn(messages, key))
  }

  /**
   * After a commit, consumed messages are gone from the store
   */
  public committed() {
    this.consumed = null
  }

  /**
   * Messages for the next request: flashed input at the top level, under
   * explicit flash calls
   */
  private outgoingMessages(): Values | null {
    if (this.dropsOutgoing || this.outgoing.isEmpty) {
      return null
    }
    const { input, ...messages } = this.outgoing.all()
    return { ...(isPlainObject(input) ? input : {}), ...messages }
  }
}
