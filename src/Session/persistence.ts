/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionMutation } from '@ioc:Adonis/Addons/Session'
import { isPlainObject } from '../Store'
import { FLASH_KEY, applyMutations, copyOf, inPlaceEdits } from '../Store/mutations'
import { SessionChange, applyChange } from '../Drivers/Shared/change'
import debug from '../debug'

type Values = Record<string, any>

/**
 * JSON of the values when the request first got hold of a stored object,
 * and how many changes were recorded by then
 */
export type Baseline = { json: string; recorded: number }

/**
 * The edits made in place to objects the request held since `baseline`:
 * what the values hold beyond what the changes recorded since then give
 */
export function editsSince(
  baseline: Baseline,
  mutations: SessionMutation[],
  values: Values
): SessionMutation[] {
  const recorded = mutations.slice(baseline.recorded)
  if (!recorded.length && JSON.stringify(values) === baseline.json) {
    return []
  }
  const expected = applyMutations(JSON.parse(baseline.json), recorded) || {}
  return inPlaceEdits(expected, values)
}

/**
 * Replay the changes onto the stored copy when the driver can, else write
 * the whole session (the last writer wins). `read` is what the driver's
 * read returned, when replaying onto it gives what `snapshot` holds;
 * `flashInput` names the flashed input a size-limited store may leave out.
 */
export async function persistChanges(
  driver: SessionDriverContract,
  sessionId: string,
  changes: SessionMutation[],
  read: Values | null,
  snapshot: () => Values,
  flashInput: string[]
) {
  if (typeof driver.update !== 'function') {
    await driver.write(sessionId, snapshot())
    return
  }

  /**
   * While the store holds what this request read, the replay's result is
   * what the session holds: no need to decode and replay
   */
  const change = new SessionChange(
    (current) => applyMutations(current, changes),
    read,
    () => {
      const values = snapshot()
      return Object.keys(values).length ? copyOf(values) : null
    },
    flashInput
  )
  await applyChange(driver, sessionId, change)
}

/**
 * After `regenerate()`: the data goes under the new id, then the old
 * record is destroyed
 */
export async function moveToNewId(
  driver: SessionDriverContract,
  sessionId: string,
  previousSessionId: string,
  values: Values,
  flashInput: string[]
) {
  const empty = Object.keys(values).length === 0
  if (typeof driver.update === 'function') {
    const change = new SessionChange(() => (empty ? null : values), null, null, flashInput)
    await applyChange(driver, sessionId, change)
  } else if (!empty) {
    await driver.write(sessionId, values)
  }
  await driver.destroy(previousSessionId)
  debug('moved session data to a regenerated id')
}

/**
 * Whether replaying a request's changes onto the values it read gives what
 * the session holds at the end of the request. It does, except for flash
 * messages stored as something else than a non-empty object: the request
 * drops those on reading but has no change that removes them.
 */
export function replaysToSnapshot(values: Values): boolean {
  const flash = values[FLASH_KEY]
  return flash === undefined || (isPlainObject(flash) && Object.keys(flash).length > 0)
}
