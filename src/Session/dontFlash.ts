/*
 * @adonisjs/session
 */

import { Store, isPlainObject } from '../Store'

/**
 * A copy of `input` without the `dontFlash` fields. A plain name
 * (`password`) is removed at any depth, inside objects and arrays alike
 * (`user.password`, `users.0.password`); a dot path (`user.token`) is
 * removed at that path only.
 */
export function withoutFields(input: Record<string, any>, fields: string[]): Record<string, any> {
  const names = new Set(fields.filter((field) => !field.includes('.')))
  const stripped = names.size ? withoutNames(input, names) : input
  const paths = fields.filter((field) => field.includes('.'))
  if (!paths.length) {
    return stripped
  }
  const store = new Store(stripped)
  paths.forEach((path) => store.unset(path))
  return store.all()
}

function withoutNames(value: any, names: Set<string>): any {
  if (Array.isArray(value)) {
    return value.map((item) => withoutNames(item, names))
  }
  if (!isPlainObject(value)) {
    return value
  }
  const copy: Record<string, any> = {}
  for (const key of Object.keys(value)) {
    if (!names.has(key)) {
      copy[key] = withoutNames(value[key], names)
    }
  }
  return copy
}

/**
 * A copy of `input` without the values over `limit` bytes of JSON, each
 * reported to `skipped` with its dot path. Objects are walked into; arrays
 * and other values are measured whole, as the cookie driver measures them.
 */
export function withoutLargeValues(
  input: Record<string, any>,
  limit: number,
  skipped: (path: string, size: number) => void
): Record<string, any> {
  const copy: Record<string, any> = {}
  for (const key of Object.keys(input)) {
    const value = input[key]
    if (isPlainObject(value)) {
      copy[key] = withoutLargeValues(value, limit, (path, size) => skipped(`${key}.${path}`, size))
      continue
    }
    const size = jsonSize(value, limit)
    if (size > limit) {
      skipped(key, size)
    } else {
      copy[key] = value
    }
  }
  return copy
}

/**
 * Bytes of the value as JSON; a short string is known to fit without
 * serialising it
 */
function jsonSize(value: unknown, limit: number) {
  if (typeof value === 'string' && value.length * 6 + 2 <= limit) {
    return value.length
  }
  return Buffer.byteLength(JSON.stringify(value) ?? '')
}
