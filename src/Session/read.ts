/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionDriverContract } from '@ioc:Adonis/Addons/Session'
import { isPlainObject } from '../Store'
import { lifetimeOf } from '../Drivers/Shared/lifetime'
import { SessionStats } from './stats'

/**
 * What the driver's read returned, when it is a session's values (a plain
 * object), else null. `stats` keeps a shallow copy: the session drops its
 * flash messages from the original.
 */
export function storedValues(read: unknown, stats: SessionStats): Record<string, any> | null {
  const values = isPlainObject(read) ? read : null
  stats.readValues = values ? { ...values } : null
  return values
}

/**
 * Whether the session read was past `maxLifetime` and starts again under a
 * new id: it then reads as empty and its lifetime restarts, so the next
 * write stamps a new creation time. A read-only session keeps its id, since
 * it cannot store under a new one.
 */
export function restartsPastLifetime(driver: SessionDriverContract, readonly: boolean): boolean {
  const lifetime = lifetimeOf(driver)
  if (!lifetime || !lifetime.ended || readonly) {
    return false
  }
  lifetime.restart()
  return true
}
