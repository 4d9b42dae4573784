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
 * ARGV[4] is the last moment (server clock, ms) the request still waits for
 * an answer. A command that reaches Redis later (a hung server resuming, or
 * ioredis resending it after a reconnect) belongs to a request that already
 * answered 503, and must not land: it returns {-2} and writes nothing.
 */
export const COMPARE_AND_SET = `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[4]) then
  return {-2}
end
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'table' and current.err then
  return {-1}
end
local hash = ''
if current then hash = redis.sha1hex(current) end
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
