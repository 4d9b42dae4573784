/*
 * Creates the sessions a cell replays and checks them afterwards. A session is
 * created by one GET /write without cookies (so it holds counter = 1); its cookie
 * header is every name=value pair the app set.
 */
const { get, mergeCookies } = require('./http')

/**
 * Creates `count` sessions, 10 at a time. Resolves with [{ id, cookie, counter }].
 */
async function establish(port, count) {
  const sessions = []
  for (let start = 0; start < count; start += 10) {
    const batch = Array.from({ length: Math.min(10, count - start) }, () => createOne(port))
    sessions.push(...(await Promise.all(batch)))
  }
  return sessions
}

async function createOne(port) {
  const res = await get(port, '/write')
  if (res.status !== 200 || !res.json || !res.json.id || res.json.counter !== 1) {
    throw new Error(`could not create a session: ${res.status} ${JSON.stringify(res.json)}`)
  }
  return { id: res.json.id, cookie: mergeCookies('', res.cookies), counter: 1 }
}

/**
 * GET /read with each session's own cookie: [{ status, id, counter }].
 */
function readAll(port, sessions) {
  return Promise.all(
    sessions.map(async (session) => {
      const res = await get(port, '/read', session.cookie).catch((error) => ({ error }))
      if (res.error || !res.json) {
        return { status: res.status || 0, id: null, counter: null }
      }
      return { status: res.status, id: res.json.id, counter: res.json.counter }
    })
  )
}

/**
 * Is every session still there after the run: 200, same id, a numeric counter,
 * and (`exactCounters`) exactly the counter it had before the run? Returns null
 * when intact, else a short reason.
 */
function checkIntact(sessions, before, after, exactCounters) {
  for (const [index, state] of after.entries()) {
    const expected = sessions[index]
    if (state.status !== 200) {
      return `GET /read answered ${state.status}`
    }
    if (state.id !== expected.id) {
      return `session id changed (${expected.id} -> ${state.id})`
    }
    if (typeof state.counter !== 'number') {
      return `counter lost (${JSON.stringify(state.counter)})`
    }
    if (exactCounters && state.counter !== before[index].counter) {
      return `counter ${before[index].counter} -> ${state.counter} on a route that never writes it`
    }
    if (state.counter < before[index].counter) {
      return `counter went back (${before[index].counter} -> ${state.counter})`
    }
  }
  return null
}

/**
 * Sum over sessions of (counter after - counter before): the increments that
 * actually landed in the store.
 */
function appliedIncrements(before, after) {
  return after.reduce((sum, state, index) => sum + (state.counter - before[index].counter), 0)
}

module.exports = { establish, readAll, checkIntact, appliedIncrements }
