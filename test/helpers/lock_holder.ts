/*
 * @adonisjs/session
 *
 * A writer in another OS process that takes a session's lock with the file
 * driver's own lock code and holds it until told to land its write, for
 * the fault specs: `node -r @adonisjs/require-ts/build/register
 * test/helpers/lock_holder.ts <lock file> <session file>` through
 * child_process.fork. It sends 'locked' once it holds the lock; on a
 * `{ land: text }` message it writes the text into the lock file, renames
 * it over the session file (as a write that replaces the file does) and
 * sends 'landed'.
 */

import { FileLock, LockOwner } from '../../src/Drivers/File/lock'

const [lockPath, sessionFile] = process.argv.slice(2)
const lock = FileLock.acquire(lockPath, new LockOwner(`holder-${process.pid}`))
if (!lock) {
  console.error(`lock_holder: ${lockPath} is taken`)
  process.exit(1)
}
process.on('message', (message: any) => {
  lock.replace(sessionFile, Buffer.from(message.land))
  process.send!('landed')
})
process.on('disconnect', () => process.exit(0))
process.send!('locked')
