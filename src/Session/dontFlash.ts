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
