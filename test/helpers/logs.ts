/*
 * @adonisjs/session
 *
 * Structured log lines of an app, captured from a real logger
 */

import { Logger } from '@adonisjs/logger'
import { Browser } from './browser'

/**
 * Give the app a real logger at level warn that writes its lines into `lines`
 */
export function captureLogs(app: any, lines: any[]) {
  app.logger = new Logger({
    name: 'session-tests',
    enabled: true,
    level: 'warn',
    stream: {
      write(line: string) {
        lines.push(JSON.parse(line))
      },
    },
  } as any)
  app.container.singleton('Adonis/Core/Logger', () => app.logger)
}

/**
 * The messages of the warnings among captured lines
 */
export function warnings(lines: any[]): string[] {
  return lines.filter((line) => line.level === 40).map((line) => line.msg as string)
}

/**
 * The session reads back empty (same id, not fresh), and a warning naming
 * every needle was logged
 */
export async function assertReadsEmpty(
  assert: any,
  logs: any[],
  browser: Browser,
  id: string,
  needles: string[]
) {
  const response = await browser.get('/all')
  assert.equal(response.status, 200, response.text)
  assert.deepEqual(response.json, { id, fresh: false, values: {} })
  const logged = warnings(logs)
  assert.isTrue(
    logged.some((msg) => needles.every((needle) => msg.includes(needle))),
    JSON.stringify(logged)
  )
}
