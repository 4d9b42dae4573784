/*
 * @adonisjs/session
 */

import { Worker } from 'worker_threads'
import { STALE_LOCK_MS } from './lock'

/**
 * A system call's error as it crosses from the worker: what the driver
 * needs to report it
 */
export type FileFailure = { message: string; code?: string; syscall?: string; path?: string }

/**
 * A session file as read: its text, its length in bytes, its modification time
 */
export type FileContent = { raw: string; size: number; mtimeMs: number }

export type ReadJob = { op: 'read'; file: string }
export type ReadResult = FileContent | { missing: true } | { error: FileFailure }

/**
 * Apply one write under the session's lock file. The worker takes the lock
 * (or reuses the one `token` names), checks that the file still holds
 * `expect` (null: that there is no file), and then writes `text` (null:
 * deletes the file), in place when `inPlace` and the file may be written,
 * else by writing it into the lock file and renaming that over the session
 * file. When the file holds something else, it answers with that content and
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
  | { error: FileFailure }

/**
 * Give up a lock kept after a conflict (the token and the lock file it was
 * given out for)
 */
export type ReleaseJob = { op: 'release'; token: number; lock: string }
export type ReleaseResult = { done: true } | { error: FileFailure }

type Job = ReadJob | CommitJob | ReleaseJob

/**
 * What runs on the worker thread. Self-contained (its source is what the
 * worker evaluates): plain synchronous `fs` calls, which block only this
 * thread, never the event loop.
 */
function fileWorkerMain() {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { parentPort, workerData } = require('worker_threads')
  const fs = require('fs')
  const { dirname } = require('path')
  /* eslint-enable @typescript-eslint/no-var-requires */

  /**
   * Locks kept after a conflict: token -> lock file descriptor and path
   */
  const held = new Map<number, { fd: number; path: string }>()

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

  function readWhole(fd: number) {
    const { size, mtimeMs } = fs.fstatSync(fd)
    const buffer = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      const bytesRead = fs.readSync(fd, buffer, filled, size - filled, filled)
      if (bytesRead === 0) {
        break
      }
      filled += bytesRead
    }
    return { raw: buffer.toString('utf-8', 0, filled), size: filled, mtimeMs }
  }

  function openExisting(file: string, flags: string): number | null {
    try {
      return fs.openSync(file, flags)
    } catch (error) {
      if (error.code === 'ENOENT') {
        return null
      }
      throw error
    }
  }

  function unlinkExisting(file: string) {
    try {
      fs.unlinkSync(file)
    } catch (error) {
      if (error.code !== 'ENOENT') {
        throw error
      }
    }
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
   * The lock file's descriptor, or null while another holder has it. A
   * lock file older than STALE_LOCK_MS (`workerData.staleMs`) was left by a
   * process that died mid-write: it is removed. The directory is made when
   * missing.
   */
  function acquire(job: CommitJob): number | null {
    let madeDirectory = false
    let removedStale = false
    for (;;) {
      try {
        return fs.openSync(job.lock, 'wx')
      } catch (error) {
        if (error.code === 'ENOENT' && !madeDirectory) {
          madeDirectory = true
          fs.mkdirSync(dirname(job.lock), { recursive: true })
          continue
        }
        if (error.code !== 'EEXIST') {
          throw error
        }
        if (removedStale || !removeIfStale(job.lock, workerData.staleMs)) {
          return null
        }
        removedStale = true
      }
    }
  }

  function removeIfStale(path: string, staleMs: number): boolean {
    try {
      if (Date.now() - fs.statSync(path).mtimeMs < staleMs) {
        return false
      }
      fs.unlinkSync(path)
      return true
    } catch (error) {
      return error.code === 'ENOENT'
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

  function writeAll(fd: number, contents: Buffer) {
    let written = 0
    while (written < contents.length) {
      written += fs.writeSync(fd, contents, written, contents.length - written, written)
    }
  }

  function commit(job: CommitJob) {
    let lock = takeHeld(job.token, job.lock)
    if (!lock) {
      const fd = acquire(job)
      if (fd === null) {
        return { busy: true }
      }
      lock = { fd, path: job.lock }
    }

    /**
     * The lock's descriptor is open / its file is ours: each ends once
     */
    let lockOpen = true
    let locked = true
    let opened: { fd: number; writable: boolean } | null = null
    try {
      opened = openForUpdate(job.file)
      const unchanged =
        job.expect === null
          ? opened === null
          : opened !== null && holds(opened.fd, job.expect, job.expectSize)

      if (!unchanged) {
        const current = opened ? readWhole(opened.fd) : null
        const token = ++lastToken
        held.set(token, lock)
        lockOpen = false
        locked = false
        return { conflict: current, token }
      }

      if (job.text === null) {
        unlinkExisting(job.file)
      } else if (opened && opened.writable && job.inPlace) {
        writeAll(opened.fd, padded(job.text, job.expectSize))
      } else {
        writeAll(lock.fd, padded(job.text, job.replaceSize))
        lockOpen = false
        fs.closeSync(lock.fd)
        fs.renameSync(lock.path, job.file)
        locked = false
      }
      return { done: true }
    } finally {
      if (opened) {
        try {
          fs.closeSync(opened.fd)
        } catch {}
      }
      if (lockOpen) {
        try {
          fs.closeSync(lock.fd)
        } catch {}
      }
      if (locked) {
        try {
          unlinkExisting(lock.path)
        } catch {}
      }
    }
  }

  function release(job: ReleaseJob) {
    const lock = takeHeld(job.token, job.lock)
    if (lock) {
      try {
        fs.closeSync(lock.fd)
      } finally {
        unlinkExisting(lock.path)
      }
    }
    return { done: true }
  }

  function run(job: Job) {
    try {
      if (job.op === 'read') {
        return read(job)
      }
      return job.op === 'commit' ? commit(job) : release(job)
    } catch (error) {
      const { message, code, syscall, path } = error || {}
      return { error: { message: String(message), code, syscall, path } }
    }
  }

  parentPort.on('message', (jobs: Job[]) => parentPort.postMessage(jobs.map(run)))
}

type Waiting = { job: Job; resolve: (result: any) => void; reject: (error: Error) => void }

/**
 * The most jobs one message takes. A turn of the event loop that gets many
 * answers back at once (a batch of reads) goes on to produce many jobs; had
 * they all waited for the end of the turn, the worker would sit idle while
 * the requests ran and the requests would then wait while it worked, in
 * lock-step. Sent in groups of this size, the worker starts on the first
 * while the event loop is still producing the rest. With 50 connections
 * writing their sessions on 2 cores: about 7 jobs per message instead of
 * 35, and more requests per second (bench/README.md, "File worker
 * messages").
 */
const MAX_BATCH = 8

/**
 * Hands the file driver's system calls to one worker thread. The jobs of
 * one turn of the event loop go as one message (up to MAX_BATCH of them)
 * and come back as one: per request, that is one hand-off to another thread
 * instead of one per system call (a file write is about ten), and on a small
 * machine those hand-offs, not the file work, were most of a file session's
 * cost.
 *
 * The worker is started on first use and does not keep the process alive
 * while it has nothing to do. When it dies, the jobs it had fail and the
 * next job starts a new one. A lock it kept between two jobs of a write, or
 * held when it died, stays behind with its descriptor: its file may have
 * been released and taken by another process meanwhile, so removing it or
 * closing the descriptor number from here could break someone else's. It
 * ends as stale after STALE_LOCK_MS, like the lock of a process that died.
 */
export class FileWorkerClient {
  private worker: Worker | null = null
  private queue: Waiting[] = []
  private inFlight: Waiting[][] = []

  public read(job: ReadJob): Promise<ReadResult> {
    return this.run(job)
  }

  public commit(job: CommitJob): Promise<CommitResult> {
    return this.run(job)
  }

  public release(job: ReleaseJob): Promise<ReleaseResult> {
    return this.run(job)
  }

  private run(job: Job): Promise<any> {
    return new Promise((resolve, reject) => {
      if (!this.queue.length) {
        setImmediate(() => this.flush())
      }
      this.queue.push({ job, resolve, reject })
      if (this.queue.length >= MAX_BATCH) {
        this.flush()
      }
    })
  }

  private flush() {
    const batch = this.queue
    this.queue = []
    if (!batch.length) {
      return
    }
    let worker: Worker
    try {
      worker = this.started()
    } catch (error) {
      batch.forEach((waiting) => waiting.reject(error))
      return
    }
    if (!this.inFlight.length) {
      worker.ref()
    }
    this.inFlight.push(batch)
    worker.postMessage(batch.map((waiting) => waiting.job))
  }

  private started(): Worker {
    if (this.worker) {
      return this.worker
    }
    const worker = new Worker(`(${fileWorkerMain.toString()})()`, {
      eval: true,
      workerData: { staleMs: STALE_LOCK_MS },
    })
    worker.on('message', (results: any[]) => {
      const batch = this.worker === worker ? this.inFlight.shift() : undefined
      if (!batch) {
        return
      }
      batch.forEach((waiting, index) => waiting.resolve(results[index]))
      if (!this.inFlight.length) {
        worker.unref()
      }
    })
    worker.on('error', (error) => this.lost(worker, workerError(`failed: ${error.message}`)))
    worker.on('exit', (code) => {
      this.lost(worker, workerError(`exited with code ${code}`))
    })

    /**
     * After the listeners: adding a 'message' listener refs the worker again
     */
    worker.unref()
    this.worker = worker
    return worker
  }

  private lost(worker: Worker, error: Error) {
    if (this.worker !== worker) {
      return
    }
    this.worker = null
    const batches = this.inFlight
    this.inFlight = []
    batches.forEach((batch) => batch.forEach((waiting) => waiting.reject(error)))
  }
}

/**
 * Why the jobs of a worker that died failed: with a code and a `syscall`,
 * so that the driver reports it as E_SESSION_STORE_UNAVAILABLE
 */
function workerError(reason: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`the session file worker ${reason}`)
  error.code = 'ERR_SESSION_FILE_WORKER'
  error.syscall = 'worker'
  return error
}

/**
 * The one worker client of the process
 */
export const fileWorker = new FileWorkerClient()

/**
 * A failure from the worker as an Error with the system call's fields
 */
export function toError(failure: FileFailure): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(failure.message)
  error.code = failure.code
  error.syscall = failure.syscall
  error.path = failure.path
  return error
}
