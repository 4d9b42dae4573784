/*
 * @adonisjs/session
 */

/**
 * Tail of the in-process queue of each key
 */
const tails: Map<string, Promise<void>> = new Map()

/**
 * Run tasks on the same key one after the other within this process.
 * Concurrent requests of one process then wait in line for a session
 * instead of racing for it; the store's own lock or compare-and-set still
 * guards against other processes.
 */
export function inLine<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) || Promise.resolve()
  const result = previous.then(task)
  const tail = result.then(
    () => {},
    () => {}
  )
  tails.set(key, tail)
  tail.then(() => {
    if (tails.get(key) === tail) {
      tails.delete(key)
    }
  })
  return result
}
