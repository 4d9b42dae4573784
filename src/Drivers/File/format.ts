/*
 * @adonisjs/session
 */

import { createHash } from 'crypto'

/**
 * A sealed payload starts with its check: `{"check":"<16 chars>",` and goes
 * on with the payload's own fields
 */
const CHECK_FIELD = '{"check":"'
const CHECK_LENGTH = 16
const HEADER_LENGTH = CHECK_FIELD.length + CHECK_LENGTH + 2

/**
 * The largest session file written in place: one page
 */
const IN_PLACE_MAX_BYTES = 4096

function checksum(text: string) {
  return createHash('sha1').update(text).digest('base64url').slice(0, CHECK_LENGTH)
}

/**
 * Adds an integrity check to a JSON payload (`{...}`) as its first field.
 * The result is the same JSON object plus one field, so 6.4 reads it too.
 * The check covers everything after it, so a reader that caught an in-place
 * write half-way, or a file cut short, sees it fail; it comes first because
 * the driver only writes in place over a sealed payload, so the start of a
 * file being rewritten is always the start of a sealed payload, whatever
 * point the write had reached.
 */
export function seal(payload: string): string {
  const body = payload.slice(1)
  return `${CHECK_FIELD}${checksum(body)}",${body}`
}

/**
 * Does a file's content start like a sealed payload (whether or not its
 * check holds)?
 */
export function isSealed(raw: string): boolean {
  return raw.startsWith(CHECK_FIELD)
}

/**
 * The payload in a file's content, without the padding: the sealed payload
 * when its check holds, `false` when it does not, and the text as it is when
 * it carries no check (a file written by 6.4)
 */
export function unseal(raw: string): string | false {
  const text = raw.trimEnd()
  if (!isSealed(text)) {
    return text
  }
  const check = text.slice(CHECK_FIELD.length, CHECK_FIELD.length + CHECK_LENGTH)
  const intact =
    text.startsWith('",', HEADER_LENGTH - 2) && checksum(text.slice(HEADER_LENGTH)) === check
  return intact ? text : false
}

/**
 * Written in place only over a sealed content (so a reader that races the
 * write sees a failed check, even over a file 6.4 wrote), when it fits, and
 * within one page: a single-page write is never left half-done by a killed
 * process, a multi-page one can be. Anything else takes the rename path.
 */
export function fitsInPlace(length: number, current: { text: string | false; size: number }) {
  const sealed = current.text === false || isSealed(current.text)
  return sealed && length <= current.size && current.size <= IN_PLACE_MAX_BYTES
}

/**
 * The size a file written whole gets: room for the session to grow a little
 * before the next write has to take the rename path again
 */
export function withHeadroom(length: number) {
  return Math.ceil((length + 64) / 256) * 256
}
