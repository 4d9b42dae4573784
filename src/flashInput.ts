/*
 * @adonisjs/session
 */

import { isPlainObject } from './Store'
import { FLASH_KEY, copyOf } from './Store/mutations'
import { stringify } from './DataCipher'

/**
 * One value of the flashed input (a form field), by its path inside the
 * flash messages, and about how many bytes of JSON it takes
 */
export type InputLeaf = { path: string[]; size: number }

/**
 * The values of the flashed input stored under `keys` of the flash
 * messages, largest first. Objects are walked into (a nested form keeps its
 * small fields); arrays and other values are leaves.
 */
export function inputLeaves(flash: unknown, keys: string[]): InputLeaf[] {
  if (!isPlainObject(flash)) {
    return []
  }
  const leaves: InputLeaf[] = []
  for (const key of keys) {
    if (Object.hasOwn(flash, key)) {
      collect(flash[key], [key], leaves)
    }
  }
  return leaves.sort((a, b) => b.size - a.size)
}

function collect(value: unknown, path: string[], leaves: InputLeaf[]) {
  if (isPlainObject(value) && Object.keys(value).length) {
    for (const key of Object.keys(value)) {
      collect(value[key], [...path, key], leaves)
    }
    return
  }
  const name = path[path.length - 1]
  const size = Buffer.byteLength(stringify(value) ?? '') + Buffer.byteLength(name) + 4
  leaves.push({ path, size })
}

/**
 * Remove leaves from the front of the list (the largest) until they add up
 * to at least `bytes`, and return them
 */
export function takeLargest(leaves: InputLeaf[], bytes: number): InputLeaf[] {
  const taken: InputLeaf[] = []
  let total = 0
  while (leaves.length && total < bytes) {
    const leaf = leaves.shift()!
    taken.push(leaf)
    total += leaf.size
  }
  return taken
}

/**
 * A copy of the session values whose flash messages miss the given leaves;
 * objects left empty by that go too
 */
export function withoutLeaves(
  values: Record<string, any>,
  leaves: InputLeaf[]
): Record<string, any> {
  const flash = copyOf(values[FLASH_KEY])
  for (const leaf of leaves) {
    removePath(flash, leaf.path)
  }
  const next = { ...values }
  delete next[FLASH_KEY]
  if (Object.keys(flash).length) {
    next[FLASH_KEY] = flash
  }
  return next
}

function removePath(target: Record<string, any>, path: string[]) {
  const [head, ...tail] = path
  if (!isPlainObject(target) || !Object.hasOwn(target, head)) {
    return
  }
  if (tail.length) {
    removePath(target[head], tail)
    if (!isPlainObject(target[head]) || Object.keys(target[head]).length) {
      return
    }
  }
  delete target[head]
}
