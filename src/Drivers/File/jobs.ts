/*
 * @adonisjs/session
 */

import { FileContent } from './sync'

export { FileContent }

/**
 * A system call's error as it crosses from the worker: what the driver
 * needs to report it
 */
export type FileFailure = { message: string; code?: string; syscall?: string; path?: string }

export type ReadJob = { op: 'read'; file: string }
export type ReadResult = FileContent | { missing: true }

/**
 * Apply one write under the session's lock file. The worker takes the lock
 * (or reuses the one `token` names), checks that the file still holds
 * `expect` (null: that there is no file), and then writes `text` (null:
 * deletes the file), in place when `inPlace` and the file may be written,
 * else by writing it into `<id>.lock.next` and renaming that over the
 * session file. When the file holds something else, it answers with that content and
 * keeps the lock for the next job under the returned token.
 */
export type CommitJob = {
  op: 'commit'
  file: string
  lock: string
  token: number
  expect: string | null
  expectSize: number
  text: string | null
  inPlace: boolean
  replaceSize: number
}
export type CommitResult =
  | { done: true }
  | { busy: true }
  | { conflict: FileContent | null; token: number }

/**
 * Give up a lock kept after a conflict (the token and the lock file it was
 * given out for)
 */
export type ReleaseJob = { op: 'release'; token: number; lock: string }
export type ReleaseResult = { done: true }

/**
 * Delete a session file older than `ageMs` under its lock (skipped while a
 * write holds it), or, without `file`, a lock file left by a dead process
 */
export type SweepJob = { op: 'sweep'; file?: string; lock: string; ageMs: number }
export type SweepResult = { deleted: boolean }

/**
 * Delete a session file under its lock (logout, regenerate), so that a
 * write holding the lock finishes first instead of bringing the file back
 */
export type DestroyJob = { op: 'destroy'; file: string; lock: string }
export type DestroyResult = { done: true } | { busy: true }

/**
 * Add an id to a user's index file, or remove one, under the index's lock
 * file (busy while another holder has it). An index left empty is deleted.
 */
export type IndexJob = { op: 'index'; file: string; lock: string; add?: string; remove?: string }
export type IndexResult = { done: true } | { busy: true }

export type Job = ReadJob | CommitJob | ReleaseJob | SweepJob | DestroyJob | IndexJob

/**
 * What the worker answers for each job: its result, or the failure
 */
export type Answer = { result: any } | { error: FileFailure }
