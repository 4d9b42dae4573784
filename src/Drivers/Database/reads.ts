/*
 * @adonisjs/session
 */

import type { DatabaseRuntime } from './runtime'

/**
 * A session row as the select statements return it
 */
export type RawRow = {
  id: string
  payload: string | null
  version: number | string
  expires_at: number | string
  db_now: number | string
}

/**
 * What a batch answers a read with: the row with exactly its id (or
 * undefined). Without one, `folded` says the statement returned the row of
 * the same id in another case (a table whose id column compares
 * case-insensitively), and `stray` that it returned a row whose id is none
 * of those asked for; `alone` when this id was the only one asked.
 */
export type BatchAnswer = {
  row: RawRow | undefined
  folded: boolean
  stray: boolean
  alone: boolean
}

type Waiting = {
  id: string
  resolve: (answer: BatchAnswer) => void
  reject: (error: unknown) => void
}

/**
 * Ids one statement looks up at most: far below SQLite's limit on bound
 * values, and more than a turn of the event loop brings at usual
 * connection counts
 */
const MAX_IDS = 200

/**
 * The texts of the select statements: one id, and many ids at once
 */
export type ReadTexts = {
  one: string
  many: (count: number) => string
  /**
   * True when `many` takes the ids as one array value (PostgreSQL's
   * `= any(?)`) rather than one value per id
   */
  arrayValue: boolean
}

/**
 * Reads the rows of the sessions requested in the same turn of the event
 * loop with one statement (`id = any(?)` on PostgreSQL, `id in (?, ...)`
 * elsewhere), as the redis driver pipelines the reads of a turn: under
 * load the database parses, binds and answers one statement for several
 * requests instead of one each. A read alone goes out by itself one event
 * loop phase later. Each read gets the row of its own id; duplicates in a
 * batch are looked up once and get the same row.
 */
export class RowReads {
  private pending: Waiting[] | null = null

  constructor(private runtime: DatabaseRuntime, private texts: ReadTexts) {}

  public read(id: string): Promise<BatchAnswer> {
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = []
        setImmediate(() => this.flush())
      }
      this.pending.push({ id, resolve, reject })
    })
  }

  private flush() {
    const waiting = this.pending!
    this.pending = null
    if (waiting.length === 1) {
      this.send([waiting[0].id], waiting)
      return
    }
    const byId = new Map<string, Waiting[]>()
    for (const entry of waiting) {
      const same = byId.get(entry.id)
      same ? same.push(entry) : byId.set(entry.id, [entry])
    }
    const ids = [...byId.keys()]
    for (let offset = 0; offset < ids.length; offset += MAX_IDS) {
      const chunk = ids.slice(offset, offset + MAX_IDS)
      this.send(
        chunk,
        chunk.flatMap((id) => byId.get(id)!)
      )
    }
  }

  /**
   * One statement for `ids`, answering every read waiting on them
   */
  private send(ids: string[], waiting: Waiting[]) {
    const { one, many, arrayValue } = this.texts
    const statement: [string, any[]] =
      ids.length === 1 ? [one, ids] : arrayValue ? [many(1), [ids]] : [many(ids.length), ids]
    const sentAt = Date.now()
    // a read already answered ignores the rejection
    this.runtime
      .query('SELECT', () => statement)
      .then((result) => this.answer(ids, waiting, this.runtime.dialect.rows(result), sentAt))
      .catch((error) => waiting.forEach((entry) => entry.reject(error)))
  }

  private answer(ids: string[], waiting: Waiting[], rows: RawRow[], sentAt: number) {
    if (rows.length) {
      this.runtime.observeClock(Number(rows[0].db_now), sentAt)
    }
    const found = new Map<string, RawRow>()
    rows.forEach((row) => found.set(row.id, row))
    let exact = 0
    ids.forEach((id) => found.has(id) && exact++)
    // only a table that compares ids loosely returns rows beyond the exact matches
    const asked = exact < rows.length ? new Set(ids) : null
    const stray = asked !== null && rows.some((row) => !asked.has(row.id))
    // or the row of an asked id for another id that has none of its own
    const folded =
      rows.length > 0 && exact < ids.length
        ? new Set(rows.map((row) => row.id.toLowerCase()))
        : null
    const alone = ids.length === 1
    for (const entry of waiting) {
      const row = found.get(entry.id)
      entry.resolve({
        row,
        folded: !row && folded !== null && folded.has(entry.id.toLowerCase()),
        stray,
        alone,
      })
    }
  }
}
