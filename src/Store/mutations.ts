/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionMutation } from '@ioc:Adonis/Addons/Session'
import { Store, isPlainObject } from './index'

/**
 * The key under which flash messages travel to the next request. Same key as
 * 6.4, so sessions written by it keep their flash messages.
 */
export const FLASH_KEY = '__flash__'

/**
 * Replay a request's recorded changes onto a copy of the stored values. This
 * is how concurrent requests on one session keep each other's changes: every
 * request's own changes are applied to the freshest copy, in commit order.
 * Returns `null` when the result is empty (the record is then deleted).
 */
export function applyMutations(
  current: Record<string, any> | null,
  mutations: SessionMutation[]
): Record<string, any> | null {
  const store = new Store(isPlainObject(current) ? current : {})
  for (const mutation of mutations) {
    applyOne(store, mutation)
  }
  return store.isEmpty ? null : store.all()
}

/**
 * A copy of a recorded value, so that no replay (at commit, again on a
 * compare-and-set retry) shares objects with the live session or another
 * replay
 */
export function copyOf<T>(value: T): T {
  if (value === null || typeof value !== 'object') {
    return value
  }
  const plain = copyOfPlain(value, 0)
  if (plain !== NOT_PLAIN) {
    return plain
  }
  try {
    return structuredClone(value)
  } catch {
    return JSON.parse(JSON.stringify(value))
  }
}

const NOT_PLAIN = Symbol('not plain')
const MAX_PLAIN_DEPTH = 32

/**
 * A deep copy of JSON-like data (plain objects, arrays, primitives), which
 * is what sessions hold and several times cheaper than structuredClone; or
 * NOT_PLAIN for anything else (a Date, a class instance, a function, a
 * cycle, a `__proto__` key), which structuredClone (or JSON, for what it
 * refuses) then copies
 */
function copyOfPlain(value: any, depth: number): any {
  if (typeof value === 'function' || typeof value === 'symbol') {
    return NOT_PLAIN
  }
  if (value === null || typeof value !== 'object') {
    return value
  }
  if (depth > MAX_PLAIN_DEPTH) {
    return NOT_PLAIN
  }
  if (Array.isArray(value)) {
    const copy = new Array(value.length)
    for (let index = 0; index < value.length; index++) {
      copy[index] = copyOfPlain(value[index], depth + 1)
      if (copy[index] === NOT_PLAIN) {
        return NOT_PLAIN
      }
    }
    return copy
  }
  if (!isPlainObject(value)) {
    return NOT_PLAIN
  }
  const copy: Record<string, any> = {}
  for (const key of Object.keys(value)) {
    if (key === '__proto__') {
      return NOT_PLAIN
    }
    copy[key] = copyOfPlain(value[key], depth + 1)
    if (copy[key] === NOT_PLAIN) {
      return NOT_PLAIN
    }
  }
  return copy
}

function applyOne(store: Store, mutation: SessionMutation) {
  switch (mutation.op) {
    case 'set':
      if (mutation.literal) {
        store.all()[mutation.key] = copyOf(mutation.value)
        return
      }
      return store.set(mutation.key, copyOf(mutation.value))
    case 'unset':
      if (mutation.literal) {
        delete store.all()[mutation.key]
        return
      }
      return store.unset(mutation.key)
    case 'clear':
      return clearKeepingFlash(store)
    case 'increment': {
      const value = store.get(mutation.key, 0)
      return store.set(mutation.key, (typeof value === 'number' ? value : 0) + mutation.steps)
    }
    case 'flashConsume':
      return consumeFlash(store, mutation.values)
    case 'flashMerge':
      return store.set(FLASH_KEY, { ...flashOf(store), ...copyOf(mutation.values) })
  }
}

/**
 * `session.clear()` empties the values, but flash messages a concurrent
 * request set for the next one are not the clearing request's to drop
 */
function clearKeepingFlash(store: Store) {
  const flash = store.get(FLASH_KEY)
  store.clear()
  if (isPlainObject(flash)) {
    store.set(FLASH_KEY, flash)
  }
}

/**
 * Remove the flash messages this request read, unless a concurrent request
 * has replaced them with a new value meanwhile
 */
function consumeFlash(store: Store, consumed: Record<string, any>) {
  const flash = flashOf(store)
  for (const key of Object.keys(consumed)) {
    if (key in flash && sameJson(flash[key], consumed[key])) {
      delete flash[key]
    }
  }
  if (Object.keys(flash).length) {
    store.set(FLASH_KEY, flash)
  } else {
    store.unset(FLASH_KEY)
  }
}

function flashOf(store: Store): Record<string, any> {
  const flash = store.get(FLASH_KEY)
  return isPlainObject(flash) ? { ...flash } : {}
}

function sameJson(a: unknown, b: unknown) {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Changes made in place (`session.get('cart').items.push(x)`) bypass the
 * recorder. Comparing what the recorded changes should have produced with
 * what the session holds turns such edits into `set`/`unset` of the top-level
 * keys they touched (literal keys: a stored key may contain a dot).
 */
export function inPlaceEdits(
  expected: Record<string, any>,
  actual: Record<string, any>
): SessionMutation[] {
  const edits: SessionMutation[] = []
  for (const key of Object.keys(actual)) {
    if (!sameJson(expected[key], actual[key])) {
      edits.push({ op: 'set', key, value: copyOf(actual[key]), literal: true })
    }
  }
  for (const key of Object.keys(expected)) {
    if (!(key in actual)) {
      edits.push({ op: 'unset', key, literal: true })
    }
  }
  return edits
}
