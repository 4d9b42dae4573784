/*
 * @adonisjs/session
 */

import { BaseCommand } from '@adonisjs/core/build/standalone'

/**
 * `node ace session:gc`: delete expired sessions of the file or database driver now
 */
export default class SessionGc extends BaseCommand {
  public static commandName = 'session:gc'
  public static description = 'Delete expired sessions from the file or database driver store'
  public static settings = { loadApp: true }

  public async run() {
    const manager = this.application.container.use('Adonis/Addons/Session')
    const sweeper = manager.sweeper()
    if (!sweeper) {
      this.logger.info(
        `Nothing to sweep: the "${manager.config.driver}" driver expires sessions by itself`
      )
      return
    }
    const deleted = await sweeper.sweep()
    if (manager.config.driver === 'database') {
      const table = manager.config.database?.table || 'sessions'
      this.logger.success(`Deleted ${deleted} expired session row(s) from table "${table}"`)
      return
    }
    this.logger.success(`Deleted ${deleted} expired session file(s)`)
  }
}
