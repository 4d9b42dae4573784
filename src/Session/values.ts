/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { AllowedSessionValues, SessionMutation } from '@ioc:Adonis/Addons/Session'
import { Store } from '../Store'
import { copyOf } from '../Store/mutations'
import { Baseline, editsSince } from './persistence'

/**
 * The session values of one request and the record of every change made
 * to them, which the commit replays onto the stored copy
 */
export class SessionValues {
  public store = new Store({})
  private mutations: SessionMutation[] = []

  /**
   * JSON of the values when the request first got hold of a stored object
   * (through get/all/pull, or by putting one), and how many changes were
   * recorded by then. In-place edits of such objects are found by comparing
   * against it at commit; a request that never held an object skips that.
   */
  private baseline: Baseline | null = null

  public has(key: string): boolean {
    return this.store.has(key)
  }

  public get(key: string, defaultValue?: any): any {
    return this.handOut(this.store.get(key, defaultValue))
  }

  public all(): any {
    return this.handOut(this.store.all())
  }

  public put(key: string, value: AllowedSessionValues): void {
    if (value !== null && typeof value === 'object') {
      this.takeBaseline()
    }
    this.store.set(key, value)
    this.mutations.push({ op: 'set', key, value: copyOf(value) })
  }

  public forget(key: string): void {
    this.store.unset(key)
    this.mutations.push({ op: 'unset', key })
  }

  public pull(key: string, defaultValue?: any): any {
    const value = this.store.pull(key, defaultValue)
    this.mutations.push({ op: 'unset', key })
    return this.handOut(value)
  }

  public increment(key: string, steps: number): void {
    this.store.increment(key, steps)
    this.mutations.push({ op: 'increment', key, steps })
  }

  public clear(): void {
    this.store.clear()
    this.mutations.push({ op: 'clear' })
  }

  /**
   * Recorded mutations, then the in-place edits found by comparison
   */
  public changes(): SessionMutation[] {
    const changes = [...this.mutations]
    if (this.baseline) {
      changes.push(...editsSince(this.baseline, this.mutations, this.store.all()))
    }
    return changes
  }

  /**
   * After a commit, the changes are stored: a second commit must not apply
   * them again
   */
  public committed() {
    this.mutations = []
    this.baseline = null
  }

  /**
   * A stored object handed to the caller may be edited in place: take the
   * baseline first
   */
  private handOut<T>(value: T): T {
    if (value !== null && typeof value === 'object') {
      this.takeBaseline()
    }
    return value
  }

  private takeBaseline() {
    if (!this.baseline) {
      this.baseline = { json: JSON.stringify(this.store.all()), recorded: this.mutations.length }
    }
  }
}
