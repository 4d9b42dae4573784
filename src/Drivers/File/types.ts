/*
 * @adonisjs/session
 */

import { SessionTag } from '../Shared/tags'
import { UpdateBatches } from '../Shared/batching'
import { FileWorkerClient } from './WorkerClient'
import { FileContent } from './sync'

/**
 * What the file driver is built from: where the files live, how long a
 * session lives, how long a write waits for a lock another writer holds,
 * and the largest payload it stores
 */
export type FileDriverOptions = {
  location: string
  ageMs: number
  refreshAfterMs: number
  lockWaitMs?: number
  maxPayloadBytes?: number
}

/**
 * The parts the manager shares between the file drivers of one app
 */
export type FileRuntime = { worker: FileWorkerClient; batches: UpdateBatches }

/**
 * How long a write waits, unless configured, for another writer holding
 * the session's lock
 */
export const DEFAULT_LOCK_WAIT_MS = 5000

/**
 * How often a read that caught a write half-way tries again
 */
export const TORN_READ_RETRIES = 5

/**
 * A session file as this request read it
 */
export type Snapshot = FileContent & {
  sessionId: string
  text: string | false
  /**
   * What `read` returned for it, and the tag it found
   */
  values?: Record<string, any> | null
  tag?: SessionTag | null
}

/**
 * The stored copy a write applies its changes to: the file's content (its
 * unsealed text) as last seen, or null for no file
 */
export type Base = FileContent & { text: string | false; expired: boolean; tag?: SessionTag | null }

/**
 * The tags before and after one write
 */
export type Retagged = { before: SessionTag | null; after: SessionTag | null }
