/*
 * @adonisjs/session
 */

type PendingRead = {
  key: string
  ttlSeconds: number
  resolve: (payload: string | null) => void
  reject: (error: unknown) => void
}

/**
 * Reads waiting for the end of this turn of the event loop, per connection
 */
const pendingReads: WeakMap<object, PendingRead[]> = new WeakMap()

/**
 * `GETEX key EX ttl`, sent together with the other session reads of the
 * same turn of the event loop: the requests that arrived together go to
 * Redis as one pipeline, one socket write and one reply read for all of
 * them. Under load the write system call to Redis is most of a read-only
 * request's cost; alone, a read goes out as a single command, one event
 * loop phase later. Each read still gets its own result or error, and
 * Redis runs each command on its own. A cluster connection sends every
 * read by itself, since a pipeline there must stay within one slot.
 */
export function getex(io: any, key: string, ttlSeconds: number): Promise<string | null> {
  if (io.isCluster) {
    return io.getex(key, 'EX', ttlSeconds)
  }
  return new Promise((resolve, reject) => {
    let pending = pendingReads.get(io)
    if (!pending) {
      pending = []
      pendingReads.set(io, pending)
      setImmediate(flush, io, pending)
    }
    pending.push({ key, ttlSeconds, resolve, reject })
  })
}

function flush(io: any, pending: PendingRead[]) {
  pendingReads.delete(io)
  const failAll = (error: unknown) => pending.forEach((read) => read.reject(error))
  try {
    if (pending.length === 1) {
      const [read] = pending
      io.getex(read.key, 'EX', read.ttlSeconds).then(read.resolve, read.reject)
      return
    }

    const pipeline = io.pipeline()
    for (const read of pending) {
      pipeline.getex(read.key, 'EX', read.ttlSeconds)
    }
    pipeline
      .exec()
      .then((results: [Error | null, string | null][]) => {
        pending.forEach((read, index) => {
          const [error, payload] = results[index]
          error ? read.reject(error) : read.resolve(payload)
        })
      })
      .catch(failAll)
  } catch (error) {
    failAll(error)
  }
}
