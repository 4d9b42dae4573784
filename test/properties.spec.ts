/*
 * @adonisjs/session
 *
 * Property-based tests (fast-check) of the Store and of the mutation replay
 * against a simple model
 */

import fc from 'fast-check'
import { isDeepStrictEqual } from 'util'
import { test } from '@japa/runner'
import { SessionMutation } from '@ioc:Adonis/Addons/Session'
import { Store } from '../src/Store'
import { FLASH_KEY, applyMutations, copyOf, inPlaceEdits } from '../src/Store/mutations'

/**
 * The model: a Map from top-level key to JSON value, dot paths one level deep
 */
type Model = Record<string, any>

const topKeys = fc.constantFrom('a', 'b', 'c', 'cart')
const paths = fc.oneof(
  topKeys,
  fc.tuple(topKeys, fc.constantFrom('x', 'y')).map(([k, s]) => `${k}.${s}`)
)
const values = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 3 }), fc.boolean())

const mutation: fc.Arbitrary<SessionMutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: paths, value: values }),
  fc.record({ op: fc.constant('unset' as const), key: paths }),
  fc.record({
    op: fc.constant('increment' as const),
    key: paths,
    steps: fc.integer({ min: -3, max: 3 }),
  }),
  fc.constant({ op: 'clear' as const })
)

function modelGet(model: Model, path: string) {
  const [head, tail] = path.split('.')
  const value = model[head]
  if (tail === undefined) return value
  return value !== null && typeof value === 'object' ? value[tail] : undefined
}

function modelApply(model: Model, m: SessionMutation): Model {
  const next: Model = JSON.parse(JSON.stringify(model))
  if (m.op === 'clear') {
    return FLASH_KEY in next ? { [FLASH_KEY]: next[FLASH_KEY] } : {}
  }
  if (m.op === 'flashConsume' || m.op === 'flashMerge') {
    throw new Error('not modelled')
  }
  const [head, tail] = m.key.split('.')
  const current = modelGet(next, m.key)
  let value: any
  if (m.op === 'unset') {
    if (tail === undefined) delete next[head]
    else if (next[head] !== null && typeof next[head] === 'object') delete next[head][tail]
    return next
  }
  value = m.op === 'set' ? m.value : (typeof current === 'number' ? current : 0) + m.steps
  if (tail === undefined) {
    next[head] = value
  } else {
    if (next[head] === null || typeof next[head] !== 'object') next[head] = {}
    next[head][tail] = value
  }
  return next
}

const state = fc.array(mutation, { maxLength: 8 }).map((ops) => ops.reduce(modelApply, {} as Model))

test.group('properties', () => {
  test('the Store agrees with the model for any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 30 }), (ops) => {
        const store = new Store({})
        let model: Model = {}
        for (const m of ops) {
          model = modelApply(model, m)
          if (m.op === 'set') store.set(m.key, m.value)
          if (m.op === 'unset') store.unset(m.key)
          if (m.op === 'clear') store.clear()
          if (m.op === 'increment') {
            const current = store.get(m.key, 0)
            if (typeof current !== 'number') {
              store.set(m.key, m.steps)
            } else {
              store.increment(m.key, m.steps)
            }
          }
          for (const path of ['a', 'b', 'c', 'cart', 'a.x', 'b.y', 'cart.x']) {
            const expected = modelGet(model, path)
            const has = expected !== undefined && expected !== null
            if (store.has(path) !== has) return false
          }
        }
        return isDeepStrictEqual(store.all(), model)
      }),
      { numRuns: 500 }
    )
  })

  test('replaying two requests onto a shared copy equals applying them in commit order', () => {
    fc.assert(
      fc.property(
        state,
        fc.array(mutation, { maxLength: 10 }),
        fc.array(mutation, { maxLength: 10 }),
        (initial, first, second) => {
          const replayed =
            applyMutations(applyMutations(JSON.parse(JSON.stringify(initial)), first), second) || {}
          const model = [...first, ...second].reduce(modelApply, initial)
          return isDeepStrictEqual(replayed, model)
        }
      ),
      { numRuns: 500 }
    )
  })

  test('concurrent increments all count, in any commit order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 100 }),
        (steps, start) => {
          let stored: Record<string, any> | null = { hits: start }
          for (const step of steps) {
            stored = applyMutations(stored, [{ op: 'increment', key: 'hits', steps: step }])
          }
          return stored!.hits === start + steps.reduce((sum, step) => sum + step, 0)
        }
      )
    )
  })

  test('in-place edits turn one state into the other', () => {
    fc.assert(
      fc.property(state, state, (expected, actual) => {
        const result =
          applyMutations(JSON.parse(JSON.stringify(expected)), inPlaceEdits(expected, actual)) || {}
        return isDeepStrictEqual(result, actual)
      }),
      { numRuns: 500 }
    )
  })

  test('no key path or value ever reaches Object.prototype', () => {
    const hostile = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '__proto__.polluted',
      'constructor.prototype.polluted',
      'a.__proto__.polluted'
    )
    fc.assert(
      fc.property(hostile, values, (key, value) => {
        const store = new Store({})
        try {
          store.set(key, value)
        } catch {}
        store.merge(
          JSON.parse(
            `{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}`
          )
        )
        return (
          ({} as any).polluted === undefined && (Object.prototype as any).polluted === undefined
        )
      })
    )
  })

  test('a copy of any JSON value is equal to it and shares no object with it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = copyOf(value)
        return isDeepStrictEqual(copy, value) && !sharesObjects(copy, value)
      })
    )
  })

  test('values that are not plain data are copied with structuredClone', ({ assert }) => {
    const date = new Date(0)
    const copied = copyOf({ at: date, list: [new Map([[1, 2]])] })
    assert.instanceOf(copied.at, Date)
    assert.notStrictEqual(copied.at, date)
    assert.equal(copied.at.getTime(), 0)
    assert.instanceOf(copied.list[0], Map)
    assert.deepEqual(copyOf({ a: 1, nested: { fn: () => 1 } }), { a: 1, nested: {} })

    const ownProto = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}')
    const copy = copyOf(ownProto)
    assert.deepEqual(Object.keys(copy), ['__proto__', 'a'])
    assert.isUndefined(({} as any).polluted)
    assert.equal(Object.getPrototypeOf(copy), Object.prototype)
  })
})

/**
 * Does any object inside `a` appear inside `b`?
 */
function sharesObjects(a: unknown, b: unknown): boolean {
  const inB = new Set<unknown>()
  const collect = (value: unknown) => {
    if (value !== null && typeof value === 'object') {
      inB.add(value)
      Object.values(value).forEach(collect)
    }
  }
  collect(b)
  const find = (value: unknown): boolean =>
    value !== null &&
    typeof value === 'object' &&
    (inB.has(value) || Object.values(value).some(find))
  return find(a)
}
