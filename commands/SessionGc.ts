/*
 * @adonisjs/session
 */

import { BaseCommand } from '@adonisjs/core/build/standalone'

/**
 * `node ace session:gc`: delete expired sessions of the file driver now
 */
export default class SessionGc extends BaseCommand {
  public static commandName = 'session:gc'
  public static description = 'Delete expired sessions from the file driver store'
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
    this.logger.success(`Deleted ${deleted} expired session file(s)`)
  }
}
