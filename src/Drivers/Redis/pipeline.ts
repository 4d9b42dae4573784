/*
 * @adonisjs/session
 */

/**
 * Puts one command on a connection or on a pipeline. On a connection it
 * returns the command's promise; on a pipeline the result comes from the
 * pipeline's `exec`.
 */
export type RedisCommand = (target: any) => any

type Pending = {
  command: RedisCommand
  resolve: (result: any) => void
  reject: (error: unknown) => void
}

/**
 * Sends a session command together with the other session commands of the
 * same turn of the event loop: the reads (GETEX) and writes (the
 * compare-and-set script) of the requests that arrived together go to Redis
 * as one pipeline, one socket write and one reply read for all of them.
 * Under load the write system call to Redis is most of what a session
 * costs the server; alone, a command goes out by itself, one event loop
 * phase later. Each command still gets its own result or error, Redis runs
 * each on its own, in the order they were issued. A cluster connection
 * sends every command by itself, since a pipeline there must stay within
 * one slot.
 */
export class CommandPipelines {
  /**
   * Commands waiting for the end of this turn of the event loop, per connection
   */
  private pending: WeakMap<object, Pending[]> = new WeakMap()

  public inTurn<T>(io: any, command: RedisCommand): Promise<T> {
    if (io.isCluster) {
      return command(io)
    }
    return new Promise((resolve, reject) => {
      let pending = this.pending.get(io)
      if (!pending) {
        pending = []
        this.pending.set(io, pending)
        setImmediate(() => {
          this.pending.delete(io)
          flush(io, pending!)
        })
      }
      pending.push({ command, resolve, reject })
    })
  }
}

function flush(io: any, pending: Pending[]) {
  const failAll = (error: unknown) => pending.forEach((waiting) => waiting.reject(error))
  try {
    if (pending.length === 1) {
      const [waiting] = pending
      waiting.command(io).then(waiting.resolve, waiting.reject)
      return
    }

    const pipeline = io.pipeline()
    for (const waiting of pending) {
      waiting.command(pipeline)
    }
    pipeline
      .exec()
      .then((results: [Error | null, any][]) => {
        pending.forEach((waiting, index) => {
          const [error, result] = results[index]
          error ? waiting.reject(error) : waiting.resolve(result)
        })
      })
      .catch(failAll)
  } catch (error) {
    failAll(error)
  }
}
