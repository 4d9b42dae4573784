/*
 * @adonisjs/session
 */

import { Logger } from '@adonisjs/logger'

/**
 * Make an app log to `lines` (one parsed JSON object per line) through a
 * real logger, from warnings up; call before the providers boot
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
