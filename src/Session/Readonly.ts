/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { IncomingMessage } from 'http'
import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { ReadonlySessionContract, SessionDriverContract } from '@ioc:Adonis/Addons/Session'
import { Store, isPlainObject } from '../Store'
import { FLASH_KEY, copyOf } from '../Store/mutations'
import { SessionRuntimeException } from '../errors'

/**
 * A built-in driver that can read without refreshing the expiry (the redis
 * driver: its `read` is a GETEX)
 */
type PeekingDriver = SessionDriverContract & {
  peek?(sessionId: string): Promise<Record<string, any> | null>
}

/**
 * Read a session for a read-only use, leaving its expiry alone where the
 * driver's `read` would refresh it
 */
export function readWithoutTouch(driver: PeekingDriver, sessionId: string) {
  return typeof driver.peek === 'function' ? driver.peek(sessionId) : driver.read(sessionId)
}

/**
 * An HTTP context around a raw request that no route handles, so that the
 * cookie driver and extensions read it as they read any request. Its
 * response is the framework's detached one: nothing written to it is sent.
 * Anything that is not a request raises the error of `readonly()`.
 */
export function upgradeContext(
  container: ApplicationContract['container'],
  request: IncomingMessage
): HttpContextContract {
  if (!request || typeof request !== 'object' || !isPlainHeaders(request.headers)) {
    throw SessionRuntimeException.notARequest()
  }
  return container.use('Adonis/Core/HttpContext').create('/', {}, request)
}

function isPlainHeaders(headers: unknown): boolean {
  return headers !== null && typeof headers === 'object'
}

/**
 * A value bag whose every change raises the readonly error
 */
export class ReadonlyStore extends Store {
  public set(): void {
    throw SessionRuntimeException.readonly()
  }
  public increment(): void {
    throw SessionRuntimeException.readonly()
  }
  public decrement(): void {
    throw SessionRuntimeException.readonly()
  }
  public update(): void {
    throw SessionRuntimeException.readonly()
  }
  public merge(): any {
    throw SessionRuntimeException.readonly()
  }
  public unset(): void {
    throw SessionRuntimeException.readonly()
  }
  public clear(): void {
    throw SessionRuntimeException.readonly()
  }
  public pull(): any {
    throw SessionRuntimeException.readonly()
  }
}

/**
 * The session of a WebSocket connection (`Session.readonly(request)`): the
 * values and flash messages as one store read found them. Every change
 * raises, and nothing is ever written, touched, consumed or sent: there is
 * no response to carry a cookie, so there is no commit.
 */
export class ReadonlySession implements ReadonlySessionContract {
  public readonly readonly = true
  public readonly initiated = true

  /**
   * Flash messages set by the last HTTP request, left in the store for the
   * next one
   */
  public readonly flashMessages: ReadonlyStore

  private store: ReadonlyStore

  constructor(
    public readonly sessionId: string,
    public readonly fresh: boolean,
    values: Record<string, any> | null
  ) {
    const read: Record<string, any> = isPlainObject(values) ? copyOf(values) : {}
    const { [FLASH_KEY]: flash, ...rest } = read
    this.store = new ReadonlyStore(rest)
    this.flashMessages = new ReadonlyStore(isPlainObject(flash) ? flash : {})
  }

  public has(key: string): boolean {
    return this.store.has(key)
  }

  public get(key: string, defaultValue?: any): any {
    return this.store.get(key, defaultValue)
  }

  public all(): any {
    return this.store.all()
  }

  public put(): void {
    throw SessionRuntimeException.readonly()
  }
  public forget(): void {
    throw SessionRuntimeException.readonly()
  }
  public pull(): any {
    throw SessionRuntimeException.readonly()
  }
  public increment(): void {
    throw SessionRuntimeException.readonly()
  }
  public decrement(): void {
    throw SessionRuntimeException.readonly()
  }
  public clear(): void {
    throw SessionRuntimeException.readonly()
  }
  public regenerate(): void {
    throw SessionRuntimeException.readonly()
  }
  public flash(): void {
    throw SessionRuntimeException.readonly()
  }
  public flashAll(): void {
    throw SessionRuntimeException.readonly()
  }
  public flashOnly(): void {
    throw SessionRuntimeException.readonly()
  }
  public flashExcept(): void {
    throw SessionRuntimeException.readonly()
  }
  public reflash(): void {
    throw SessionRuntimeException.readonly()
  }
  public reflashOnly(): void {
    throw SessionRuntimeException.readonly()
  }
  public reflashExcept(): void {
    throw SessionRuntimeException.readonly()
  }
}
