/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionMutation } from '@ioc:Adonis/Addons/Session'
import { isPlainObject } from '../Store'
import { FLASH_KEY, applyMutations, copyOf, inPlaceEdits } from '../Store/mutations'
import { SessionChange, applyChange } from '../Drivers/Shared/change'
import { TagOp } from '../Drivers/Shared/tags'
import { SessionTagging } from './tagging'
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
 * What a commit hands to the driver: the request's changes, what the
 * driver's read returned (when replaying onto it gives what `snapshot`
 * holds), the flashed input a size-limited store may leave out, what the
 * request did to the session's tag, and where to record the values stored
 */
export type CommitPlan = {
  changes: SessionMutation[]
  read: Values | null
  snapshot: () => Values
  flashInput: string[]
  tagOps: TagOp[]
  record: (values: Values | null) => Values | null
}

/**
 * What the commit of a read session does: after `regenerate()` it moves
 * the session to the new id; a request that changed values, flash
 * messages or the tag, or whose tagged session is due an activity refresh,
 * writes; any other request only refreshes a stored session's expiry, and
 * a new session that holds nothing is not stored at all
 */
export function commitOperation(
  fresh: boolean,
  regenerated: boolean,
  changes: SessionMutation[],
  tagging: SessionTagging
): 'regenerate' | 'write' | 'touch' | 'none' {
  if (regenerated) {
    return 'regenerate'
  }
  if (changes.length || tagging.changed || tagging.due()) {
    return 'write'
  }
  return fresh ? 'none' : 'touch'
}

/**
 * Replay the changes onto the stored copy when the driver can, else write
 * the whole session (the last writer wins)
 */
export async function persistChanges(
  driver: SessionDriverContract,
  sessionId: string,
  plan: CommitPlan
) {
  const { changes, read, snapshot, flashInput, tagOps, record } = plan
  if (typeof driver.update !== 'function') {
    await driver.write(sessionId, record(snapshot())!)
    return
  }

  /**
   * While the store holds what this request read, the replay's result is
   * what the session holds: no need to decode and replay
   */
  const change = new SessionChange(
    (current) => record(applyMutations(current, changes)),
    read,
    () => {
      const values = snapshot()
      return record(Object.keys(values).length ? copyOf(values) : null)
    },
    flashInput,
    () => tagOps
  )
  await applyChange(driver, sessionId, change)
}

/**
 * After `regenerate()`: the data and tag go under the new id, then the old
 * record is destroyed (and leaves its user's index)
 */
export async function moveToNewId(
  driver: SessionDriverContract,
  sessionId: string,
  previousSessionId: string,
  plan: CommitPlan
) {
  const values = plan.snapshot()
  const empty = Object.keys(values).length === 0
  plan.record(empty ? null : values)
  if (typeof driver.update === 'function') {
    const replay = () => (empty ? null : values)
    const change = new SessionChange(replay, null, null, plan.flashInput, () => plan.tagOps)
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
