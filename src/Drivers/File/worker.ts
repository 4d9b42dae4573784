/*
 * @adonisjs/session
 */

import * as fs from 'fs'
import { parentPort, workerData } from 'worker_threads'
import { FileLock, LockOwner, removeIfStale } from './lock'
import { openExisting, readWhole, unlinkExisting, writeAll, closeQuietly } from './sync'
import { Answer, CommitJob, DestroyJob, IndexJob, Job, ReadJob, ReleaseJob, SweepJob } from './jobs'

/**
 * The file driver's worker thread: plain synchronous `fs` calls, which
 * block only this thread, never the event loop. Every message is a list of
 * jobs, answered with the list of their results.
 */

/**
 * This worker as the holder of the locks it takes; the client names the
 * workers of this process that died before it
 */
const owner = new LockOwner(workerData.id, workerData.deadWorkers)

/**
 * Locks kept after a conflict, by token
 */
const held = new Map<number, FileLock>()

/**
 * Tokens start at a random point, so that a token a previous worker gave
 * out means nothing to this one
 */
let lastToken = Math.floor(Math.random() * 2 ** 40)

/**
 * The lock a token keeps, taken back from `held`; only for the lock file
 * it was given out for
 */
function takeHeld(token: number, path: string) {
  const lock = held.get(token)
  if (!lock || lock.path !== path) {
    return undefined
  }
  held.delete(token)
  return lock
}

function read(job: ReadJob) {
  const fd = openExisting(job.file, 'r')
  if (fd === null) {
    return { missing: true }
  }
  try {
    return readWhole(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * The session file for the update: writable when the process may write
 * it, else read-only (it is then replaced by rename, which needs only a
 * writable directory); null when it does not exist
 */
function openForUpdate(file: string): { fd: number; writable: boolean } | null {
  try {
    const fd = openExisting(file, 'r+')
    return fd === null ? null : { fd, writable: true }
  } catch (error) {
    if (error.code !== 'EACCES' && error.code !== 'EPERM') {
      throw error
    }
    const fd = openExisting(file, 'r')
    return fd === null ? null : { fd, writable: false }
  }
}

function holds(fd: number, expect: string, expectSize: number) {
  const buffer = Buffer.allocUnsafe(expectSize + 1)
  const bytesRead = fs.readSync(fd, buffer, 0, expectSize + 1, 0)
  return bytesRead === expectSize && buffer.toString('utf-8', 0, bytesRead) === expect
}

/**
 * The text, padded with spaces to `size` bytes
 */
function padded(text: string, size: number) {
  const buffer = Buffer.alloc(Math.max(size, Buffer.byteLength(text)), 0x20)
  buffer.write(text)
  return buffer
}

function commit(job: CommitJob) {
  const lock = takeHeld(job.token, job.lock) || FileLock.acquire(job.lock, owner)
  if (!lock) {
    return { busy: true }
  }
  let opened: { fd: number; writable: boolean } | null = null
  let kept = false
  try {
    opened = openForUpdate(job.file)
    const unchanged =
      job.expect === null
        ? opened === null
        : opened !== null && holds(opened.fd, job.expect, job.expectSize)
    if (!unchanged) {
      const conflict = opened ? readWhole(opened.fd) : null
      const token = ++lastToken
      held.set(token, lock)
      kept = true
      return { conflict, token }
    }
    write(job, opened, lock)
    return { done: true }
  } finally {
    if (opened) {
      closeQuietly(opened.fd)
    }
    if (!kept) {
      lock.release()
    }
  }
}

/**
 * Store the job's text: delete, write in place, or write the lock file
 * and rename it over the session file
 */
function write(job: CommitJob, opened: { fd: number; writable: boolean } | null, lock: FileLock) {
  if (job.text === null) {
    unlinkExisting(job.file)
  } else if (opened && opened.writable && job.inPlace) {
    writeAll(opened.fd, padded(job.text, job.expectSize))
  } else {
    lock.replace(job.file, padded(job.text, job.replaceSize))
  }
}

function release(job: ReleaseJob) {
  takeHeld(job.token, job.lock)?.release()
  return { done: true }
}

function destroy(job: DestroyJob) {
  const lock = FileLock.acquire(job.lock, owner)
  if (!lock) {
    return { busy: true }
  }
  try {
    unlinkExisting(job.file)
    return { done: true }
  } finally {
    lock.release()
  }
}

function isExpired(file: string, ageMs: number) {
  try {
    return fs.statSync(file).mtimeMs + ageMs <= Date.now()
  } catch {
    return false
  }
}

/**
 * The sweeper's work on one name: a session file goes only under its
 * lock, so a sweep never deletes a file a write is working on
 */
function sweep(job: SweepJob) {
  if (!job.file) {
    return { deleted: removeIfStale(job.lock, owner) === 'removed' }
  }
  if (!isExpired(job.file, job.ageMs)) {
    return { deleted: false }
  }
  const lock = FileLock.acquire(job.lock, owner)
  if (!lock) {
    return { deleted: false }
  }
  try {
    return { deleted: isExpired(job.file, job.ageMs) && unlinkExisting(job.file) }
  } finally {
    lock.release()
  }
}

/**
 * The ids an index file lists
 */
function indexIds(file: string): Set<string> {
  const fd = openExisting(file, 'r')
  if (fd === null) {
    return new Set()
  }
  try {
    return new Set(readWhole(fd).raw.split('\n').filter(Boolean))
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Change a user's index under its lock: the new list goes into a file of
 * its own, renamed over the index
 */
function index(job: IndexJob) {
  const lock = FileLock.acquire(job.lock, owner)
  if (!lock) {
    return { busy: true }
  }
  try {
    const ids = indexIds(job.file)
    job.add && ids.add(job.add)
    job.remove && ids.delete(job.remove)
    if (ids.size === 0) {
      unlinkExisting(job.file)
    } else {
      lock.replace(job.file, Buffer.from(`${[...ids].join('\n')}\n`))
    }
    return { done: true }
  } finally {
    lock.release()
  }
}

const operations: Record<Job['op'], (job: any) => any> = {
  read,
  commit,
  release,
  sweep,
  destroy,
  index,
}

function run(job: Job): Answer {
  try {
    return { result: operations[job.op](job) }
  } catch (error) {
    const { message, code, syscall, path } = error || {}
    return { error: { message: String(message), code, syscall, path } }
  }
}

parentPort!.on('message', (jobs: Job[]) => parentPort!.postMessage(jobs.map(run)))
