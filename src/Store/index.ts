/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { AllowedSessionValues, StoreContract } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, UnsafeSessionKeyException } from '../errors'

const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Split a dot path, refusing segments that could reach Object.prototype
 */
export function splitPath(key: string): string[] {
  const segments = String(key).split('.')
  for (const segment of segments) {
    if (UNSAFE_SEGMENTS.has(segment)) {
      throw UnsafeSessionKeyException.segment(segment)
    }
  }
  return segments
}

/**
 * True for plain objects (not arrays, dates or class instances)
 */
export function isPlainObject(value: unknown): value is Record<string, any> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false
  }
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * A copy of a value without the keys that could pollute prototypes. Request
 * bodies and test helper values pass through it before being stored.
 */
export function withoutUnsafeKeys<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((item) => withoutUnsafeKeys(item)) as any
  }
  if (!isPlainObject(value)) {
    return value
  }
  const source: Record<string, any> = value
  const copy: Record<string, any> = {}
  for (const key of Object.keys(source)) {
    if (!UNSAFE_SEGMENTS.has(key)) {
      copy[key] = withoutUnsafeKeys(source[key])
    }
  }
  return copy as T
}

/**
 * The value bag behind session values, flash messages and the test client.
 * Keys are dot paths (`errors.title`).
 */
export class Store implements StoreContract {
  private values: Record<string, any>

  constructor(values?: Record<string, any> | null) {
    this.values = isPlainObject(values) ? values : {}
  }

  /**
   * True when the store holds no keys
   */
  public get isEmpty() {
    return Object.keys(this.values).length === 0
  }

  /**
   * Set a value at a key or dot path, creating the objects on the way
   */
  public set(key: string, value: AllowedSessionValues): void {
    const segments = splitPath(key)
    const last = segments.pop()!
    let target = this.values
    for (const segment of segments) {
      if (target[segment] === null || typeof target[segment] !== 'object') {
        target[segment] = {}
      }
      target = target[segment]
    }
    target[last] = value
  }

  /**
   * The value at a key, or `defaultValue` when it is undefined or null
   */
  public get(key: string, defaultValue?: any): any {
    let value: any = this.values
    for (const segment of splitPath(key)) {
      if (value === null || value === undefined || !Object.hasOwn(Object(value), segment)) {
        return defaultValue
      }
      value = value[segment]
    }
    return value === undefined || value === null ? defaultValue : value
  }

  /**
   * Remove a key or dot path
   */
  public unset(key: string): void {
    const segments = splitPath(key)
    const last = segments.pop()!
    let target: any = this.values
    for (const segment of segments) {
      target = target?.[segment]
      if (target === null || typeof target !== 'object') {
        return
      }
    }
    if (target && Object.hasOwn(target, last)) {
      delete target[last]
    }
  }

  /**
   * True for any stored value except undefined, null and (unless
   * `checkForArraysLength` is false) an empty array
   */
  public has(key: string, checkForArraysLength: boolean = true): boolean {
    const value = this.get(key)
    if (value === undefined || value === null) {
      return false
    }
    return Array.isArray(value) && checkForArraysLength ? value.length > 0 : true
  }

  /**
   * Add steps to a number; a missing key counts as 0
   */
  public increment(key: string, steps: number = 1): void {
    this.set(key, this.numberAt(key, 'increment') + steps)
  }

  /**
   * Subtract steps from a number; a missing key counts as 0
   */
  public decrement(key: string, steps: number = 1): void {
    this.set(key, this.numberAt(key, 'decrement') - steps)
  }

  /**
   * Read a value and remove it
   */
  public pull(key: string, defaultValue?: any): any {
    const value = this.get(key, defaultValue)
    this.unset(key)
    return value
  }

  /**
   * Remove every key
   */
  public clear(): void {
    this.values = {}
  }

  /**
   * Replace every value
   */
  public update(values: Record<string, any> | null): void {
    this.values = isPlainObject(values) ? values : {}
  }

  /**
   * Deep merge plain objects into the existing values; arrays and other
   * values replace what was there
   */
  public merge(values: Record<string, any>): any {
    deepMerge(this.values, withoutUnsafeKeys(values))
    return this.values
  }

  /**
   * All values
   */
  public all(): any {
    return this.values
  }

  public toObject(): any {
    return this.values
  }

  public toJSON(): any {
    return this.values
  }

  public toString(): string {
    return JSON.stringify(this.values)
  }

  private numberAt(key: string, action: 'increment' | 'decrement'): number {
    const value = this.get(key, 0)
    if (typeof value !== 'number') {
      throw SessionRuntimeException.notANumber(key, action)
    }
    return value
  }
}

function deepMerge(target: Record<string, any>, source: Record<string, any>) {
  for (const key of Object.keys(source)) {
    const value = source[key]
    if (isPlainObject(value) && isPlainObject(target[key])) {
      deepMerge(target[key], value)
    } else {
      target[key] = value
    }
  }
}
