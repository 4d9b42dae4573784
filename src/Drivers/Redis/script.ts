/*
 * @adonisjs/session
 */

import * as crypto from 'crypto'

/**
 * Compare-and-set, run by Redis as one atomic step: write the new payload
 * (or delete the key when it is empty) only if the stored payload still has
 * the hash the request started from. Otherwise return the stored payload, so
 * the request replays its changes onto it and tries again.
 *
 * ARGV[5] is the write's token, which the payload carries in its `writes`
 * list (the last few writes of the session). When ioredis resends a script
 * whose reply was lost, the stored payload is the request's own write: the
 * token is found there and the script answers {1} without applying the
 * change a second time.
 *
 * ARGV[4] is the last moment (server clock, ms) the request still waits for
 * an answer. A command that reaches Redis later (a hung server resuming, or
 * ioredis resending it after a reconnect) belongs to a request that already
 * answered 503, and must not land: it returns {-2} and writes nothing.
 */
export const COMPARE_AND_SET = `
if redis.replicate_commands then redis.replicate_commands() end
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'table' and current.err then
  return {-1}
end
local hash = ''
if current then hash = redis.sha1hex(current) end
if hash ~= ARGV[1] and current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and type(stored.writes) == 'table' then
    for _, token in ipairs(stored.writes) do
      if token == ARGV[5] then return {1} end
    end
  end
end
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[4]) then
  return {-2}
end
if hash ~= ARGV[1] then
  if current then return {0, current} end
  return {0}
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
end
return {1}
`

export const SCRIPT_NAME = 'adonisSessionCompareAndSet'

/**
 * How many tokens of the last writes a payload keeps: a resend is
 * recognised while fewer writes than this came after it
 */
const KEPT_WRITES = 4

const WRITES_FIELD = ',"writes":['

/**
 * Tokens are unique per process (a random prefix) and per write (a counter)
 */
const TOKEN_PREFIX = crypto.randomBytes(6).toString('base64url')
let lastToken = 0

/**
 * A token for one write, which the script recognises when the write is sent again
 */
export function writeToken() {
  lastToken = (lastToken + 1) % Number.MAX_SAFE_INTEGER
  return `${TOKEN_PREFIX}${lastToken.toString(36)}`
}

/**
 * The text of a payload's token list, `"a","b"`: tokens are base64url and
 * base36 characters, so the list is read and written without JSON
 */
const TOKEN_LIST = /^"[\w-]+"(?:,"[\w-]+")*$/

/**
 * The write tokens a stored payload carries, newest first, as the text
 * inside the list's brackets ('' for none)
 */
function writesOf(payload: string | null): string {
  const start = payload ? payload.lastIndexOf(WRITES_FIELD) : -1
  if (start === -1 || !payload!.endsWith(']}')) {
    return ''
  }
  const list = payload!.slice(start + WRITES_FIELD.length, -2)
  return TOKEN_LIST.test(list) ? list : ''
}

/**
 * The encoded payload (`{"message":...,"purpose":...}`) with the write's
 * token added in front of the tokens of the payload it replaces, at most
 * KEPT_WRITES of them. 6.4 reads the payload as before; the extra field is
 * ignored.
 */
export function withWriteToken(payload: string, base: string | null, token: string) {
  const previous = writesOf(base)
  const kept = previous ? previous.split(',', KEPT_WRITES - 1) : []
  return `${payload.slice(0, -1)}${WRITES_FIELD}${[`"${token}"`, ...kept].join(',')}]}`
}

/**
 * SHA-1 in hex, with Node's one-shot `crypto.hash` where it exists (20.12+),
 * which is cheaper than a Hash object for a short payload
 */
const sha1: (text: string) => string =
  typeof (crypto as any).hash === 'function'
    ? (text) => (crypto as any).hash('sha1', text)
    : (text) => crypto.createHash('sha1').update(text).digest('hex')

/**
 * The hash the script compares with: of the payload, or '' for no key
 */
export function hashOf(payload: string | null) {
  return payload === null ? '' : sha1(payload)
}
