/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'

type Values = Record<string, any>

/**
 * What one request changed, as the session hands it to the built-in
 * drivers: the replay of its changes onto any stored copy, and, while the
 * store still holds what the request read, the values the session holds
 * now, which make decoding and replaying unnecessary; and the keys of the
 * flashed input, which a store with a size limit may leave out. Internal: extended
 * drivers receive the replay alone, through `update`.
 */
export class SessionChange {
  constructor(
    public readonly replay: SessionUpdater,
    private readonly read: Values | null = null,
    private readonly result: (() => Values | null) | null = null,
    public readonly flashInput: string[] = []
  ) {}

  /**
   * The values to store. `read` is the object the driver's read returned,
   * given while the driver expects the store to still hold it; `stored`
   * decodes the stored copy, called only when the replay has to run.
   */
  public valuesOver(read: Values | null | undefined, stored: () => Values | null): Values | null {
    if (this.result && read && read === this.read) {
      return this.result()
    }
    return this.replay(stored())
  }
}

/**
 * A built-in driver that takes a session's change whole
 */
export interface ChangeAwareDriver extends SessionDriverContract {
  applyChange(sessionId: string, change: SessionChange): Promise<void> | void
}

/**
 * Hand a change to the driver: whole to a built-in driver, as its replay
 * to a driver that only has `update`
 */
export function applyChange(
  driver: SessionDriverContract,
  sessionId: string,
  change: SessionChange
): Promise<void> | void {
  const aware = driver as Partial<ChangeAwareDriver>
  if (typeof aware.applyChange === 'function') {
    return aware.applyChange(sessionId, change)
  }
  return driver.update!(sessionId, change.replay)
}
