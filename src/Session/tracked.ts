/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { AllowedSessionValues, StoreContract } from '@ioc:Adonis/Addons/Session'
import { ResponseContract } from '@ioc:Adonis/Core/Response'

/**
 * What a tracked store reports its reads to
 */
type ReadTracker = { valuesRead: boolean }

/**
 * A store whose reads set `tracker.valuesRead`, for `Vary: Cookie`: a
 * response that showed what the session holds depends on the cookie.
 * Writes go through unreported, since they reveal nothing.
 */
export class ReadTrackedStore implements StoreContract {
  constructor(private store: StoreContract, private tracker: ReadTracker) {}

  public get isEmpty(): boolean {
    this.tracker.valuesRead = true
    return this.store.isEmpty
  }

  public all(): any {
    this.tracker.valuesRead = true
    return this.store.all()
  }

  public get(key: string, defaultValue?: any): any {
    this.tracker.valuesRead = true
    return this.store.get(key, defaultValue)
  }

  public has(key: string, checkForArraysLength?: boolean): boolean {
    this.tracker.valuesRead = true
    return this.store.has(key, checkForArraysLength)
  }

  public pull(key: string, defaultValue?: any): any {
    this.tracker.valuesRead = true
    return this.store.pull(key, defaultValue)
  }

  public toObject(): any {
    this.tracker.valuesRead = true
    return this.store.toObject()
  }

  public toJSON(): any {
    this.tracker.valuesRead = true
    return this.store.toJSON()
  }

  public set(key: string, value: AllowedSessionValues): void {
    this.store.set(key, value)
  }

  public increment(key: string, steps?: number): void {
    this.store.increment(key, steps)
  }

  public decrement(key: string, steps?: number): void {
    this.store.decrement(key, steps)
  }

  public update(values: Record<string, any>): void {
    this.store.update(values)
  }

  public merge(values: Record<string, any>): any {
    return this.store.merge(values)
  }

  public unset(key: string): void {
    this.store.unset(key)
  }

  public clear(): void {
    this.store.clear()
  }
}

/**
 * Add `Cookie` to the response's Vary header, keeping what the app set. The
 * framework's `response.vary` writes to the raw response, where headers set
 * with `response.header` would override it.
 */
export function varyOnCookie(response: ResponseContract) {
  const current = response.getHeader('vary')
  const text = Array.isArray(current) ? current.join(', ') : current ? String(current) : ''
  if (text.trim() === '*' || /(^|,)\s*cookie\s*(,|$)/i.test(text)) {
    return
  }
  response.header('vary', text ? `${text}, Cookie` : 'Cookie')
}
