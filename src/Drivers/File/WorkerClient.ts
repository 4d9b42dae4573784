/*
 * @adonisjs/session
 */

import { extname, join } from 'path'
import { Worker, WorkerOptions } from 'worker_threads'
import {
  Answer,
  CommitJob,
  CommitResult,
  FileFailure,
  Job,
  ReadJob,
  ReadResult,
  ReleaseJob,
  ReleaseResult,
  SweepJob,
  SweepResult,
} from './jobs'

type Waiting = { job: Job; resolve: (result: any) => void; reject: (error: Error) => void }

/**
 * The most jobs one message takes: sent in groups, the worker starts on
 * the first while the event loop is still producing the rest, instead of
 * the two taking turns (bench/README.md, "File worker messages")
 */
const MAX_BATCH = 8

/**
 * The worker's module, next to this one: `worker.js` in the build,
 * `worker.ts` when the package runs from its sources
 */
const WORKER_ENTRY = join(__dirname, `worker${extname(__filename)}`)

/**
 * Hands the file driver's system calls to one worker thread. The jobs of
 * one turn of the event loop go as one message (up to MAX_BATCH of them)
 * and come back as one: per request, one hand-off to another thread
 * instead of one per system call.
 *
 * The manager creates one client per app and closes it at shutdown. The
 * worker is started on first use and does not keep the process alive while
 * it has nothing to do. When it dies, the jobs it had fail and the next job
 * starts a new one. A lock it kept between two jobs of a write, or held when
 * it died, stays behind with its descriptor: its file may have been
 * released and taken by another process meanwhile, so removing it or
 * closing the descriptor number from here could break someone else's. It
 * ends as stale, like the lock of a process that died.
 */
export class FileWorkerClient {
  private worker: Worker | null = null
  private queue: Waiting[] = []
  private inFlight: Waiting[][] = []
  private closed = false

  public read(job: ReadJob): Promise<ReadResult> {
    return this.run(job)
  }

  public commit(job: CommitJob): Promise<CommitResult> {
    return this.run(job)
  }

  public release(job: ReleaseJob): Promise<ReleaseResult> {
    return this.run(job)
  }

  public sweep(job: SweepJob): Promise<SweepResult> {
    return this.run(job)
  }

  /**
   * Stop the worker; later jobs fail instead of starting a new one
   */
  public async close(): Promise<void> {
    this.closed = true
    const worker = this.worker
    if (worker) {
      this.lost(worker, workerError('was closed with the app'))
      await worker.terminate()
    }
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
    if (this.closed) {
      throw workerError('was closed with the app')
    }
    if (this.worker) {
      return this.worker
    }
    const worker = new Worker(WORKER_ENTRY, workerOptions())
    worker.on('message', (answers: Answer[]) => this.answered(worker, answers))
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

  private answered(worker: Worker, answers: Answer[]) {
    const batch = this.worker === worker ? this.inFlight.shift() : undefined
    if (!batch) {
      return
    }
    batch.forEach((waiting, index) => {
      const answer = answers[index]
      'error' in answer ? waiting.reject(toError(answer.error)) : waiting.resolve(answer.result)
    })
    if (!this.inFlight.length) {
      worker.unref()
    }
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
 * From the TypeScript sources (the package's own tests), the worker needs
 * the same TypeScript loader as the process, which a worker inherits only
 * when it was given on the command line
 */
function workerOptions(): WorkerOptions {
  const loaded = process.execArgv.some((arg) => arg.includes('require-ts'))
  if (!WORKER_ENTRY.endsWith('.ts') || loaded) {
    return {}
  }
  const register = require.resolve('@adonisjs/require-ts/build/register')
  return { execArgv: [...process.execArgv, '--require', register] }
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
 * A failure from the worker as an Error with the system call's fields
 */
function toError(failure: FileFailure): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(failure.message)
  error.code = failure.code
  error.syscall = failure.syscall
  error.path = failure.path
  return error
}
