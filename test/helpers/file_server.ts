/*
 * @adonisjs/session
 *
 * A second OS process serving the session routes with the file driver, for
 * the multi-process specs. Run with
 * `node -r @adonisjs/require-ts/build/register test/helpers/file_server.ts <location>`
 * through startChild (child_server.ts).
 */

import 'reflect-metadata'
import { fileApp } from './file_app'
import { serveUntilStopped } from './child_server'

async function main() {
  const location = process.argv[2]
  if (!location) {
    throw new Error('Usage: file_server.ts <file.location>')
  }

  const app = await fileApp(location)
  serveUntilStopped(app)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
