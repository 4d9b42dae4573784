/*
 * @adonisjs/session
 *
 * The cost of `encrypt: true` per request: encoding and decoding one
 * session payload with and without encryption at rest, through the built
 * package (run `npm run build` first). About 2 seconds:
 *
 *   node bench/at-rest.js
 */

const { performance } = require('perf_hooks')
const { Encryption } = require('@adonisjs/core/build/standalone')
const { PayloadCodec } = require('../build/src/Drivers/Shared/codec')
const { AppKeys } = require('../build/src/Drivers/Shared/keys')
const { SessionLifetime } = require('../build/src/Drivers/Shared/lifetime')

const keys = new AppKeys(new Encryption({ secret: 'averylongrandomsecretkeyforbench' }))
const sessionId = 'x'.repeat(32)
const values = {
  auth_web: 42,
  cart: { items: [1, 2, 3], total: 129.5 },
  __flash__: { notice: 'Saved' },
}

function measure(name, encrypt, ms = 500) {
  const codec = new PayloadCodec(new SessionLifetime(null), keys, encrypt)
  const stored = codec.encode(sessionId, values)
  let count = 0
  const end = performance.now() + ms
  while (performance.now() < end) {
    codec.decode(sessionId, codec.encode(sessionId, values))
    count++
  }
  const us = (ms * 1000) / count
  console.log(`${name}: ${us.toFixed(2)} µs per read + write, ${stored.length} bytes stored`)
  return us
}

measure('warm-up', true, 300)
const plain = measure('plain', false)
const encrypted = measure('encrypted', true)
const decodeOnly = new PayloadCodec(new SessionLifetime(null), keys, true)
const text = decodeOnly.encode(sessionId, values)
let reads = 0
const end = performance.now() + 500
while (performance.now() < end) {
  decodeOnly.decode(sessionId, text)
  reads++
}
console.log(`encrypted read alone: ${(500000 / reads).toFixed(2)} µs`)
console.log(
  `encrypt: true adds ${(encrypted - plain).toFixed(2)} µs per request that reads and writes`
)
