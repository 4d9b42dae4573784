/*
 * @adonisjs/session
 *
 * A second OS process serving the session routes with the file driver, for
 * the multi-process specs. Run with
 * `node -r @adonisjs/require-ts/build/register test/helpers/file_server.ts <location>`
 * through child_process.fork: it sends `{ url, appRoot }` once listening and
 * closes the app on SIGTERM or when the parent goes away.
 */

import 'reflect-metadata'
import { fileApp } from './file_app'

async function main() {
  const location = process.argv[2]
  if (!location) {
    throw new Error('Usage: file_server.ts <file.location>')
  }

  const app = await fileApp(location)
  const url = app.url

  let closing = false
  async function shutdown() {
    if (closing) {
      return
    }
    closing = true
    await app.close().catch(() => {})
    process.exit(0)
  }
  process.on('SIGTERM', shutdown)
  process.on('disconnect', shutdown)
  process.send!({ url, appRoot: app.appRoot })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
