/*
 * @adonisjs/session
 *
 * An app that shuts down leaves nothing behind: no file worker, no timer,
 * no open connection, so its process exits by itself
 */

import { join } from 'path'
import { execFile } from 'child_process'
import { test } from '@japa/runner'

/**
 * Far above what the child needs to boot, send its requests and shut
 * down; a worker, timer or socket left open would keep it past this
 */
const EXIT_WITHIN_MS = 20_000

test.group('shutdown', () => {
  test('an app on each of the file, redis and database drivers exits by itself once shut down', async ({
    assert,
  }) => {
    const startedAt = Date.now()
    const { code, stdout, stderr } = await new Promise<{
      code: number | null
      stdout: string
      stderr: string
    }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', '@adonisjs/require-ts/build/register', 'test/helpers/shutdown_child.ts'],
        { cwd: join(__dirname, '..'), timeout: EXIT_WITHIN_MS, killSignal: 'SIGKILL' },
        (error, out, err) =>
          resolve({ code: error ? (error as any).code ?? null : 0, stdout: out, stderr: err })
      )
    })
    assert.equal(code, 0, `the child did not exit by itself: ${stderr}${stdout}`)
    assert.isBelow(Date.now() - startedAt, EXIT_WITHIN_MS)
    const report = JSON.parse(stdout.trim().split('\n').pop()!)
    assert.deepEqual(report.stored, [
      { user: 'virk', visits: 4 },
      { user: 'virk', visits: 4 },
      { user: 'virk', visits: 4 },
    ])
    assert.isTrue(report.workerStopped, 'the file worker was stopped')
    assert.deepEqual(report.leftovers, [])
  }).timeout(EXIT_WITHIN_MS + 5000)
})
