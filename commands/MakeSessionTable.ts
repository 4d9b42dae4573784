/*
 * @adonisjs/session
 */

import { join } from 'path'
import { BaseCommand } from '@adonisjs/core/build/standalone'

/**
 * `node ace make:session-table`: write the Lucid migration creating the
 * table of the session database driver
 */
export default class MakeSessionTable extends BaseCommand {
  public static commandName = 'make:session-table'
  public static description = 'Make a migration creating the table of the session database driver'
  public static settings = { loadApp: true }

  /**
   * Defaults to "database.table" of config/session, else "sessions"
   */
  public table?: string

  /**
   * Defaults to database/migrations
   */
  public folder?: string

  public async run() {
    const config = this.application.config.get('session', {})
    const table = this.table || (config.database && config.database.table) || 'sessions'
    const folder = this.folder || 'database/migrations'
    const file = this.generator
      .addFile(`${Date.now()}_${table.replace(/\./g, '_')}`, { pattern: 'snakecase' })
      .stub(join(__dirname, '..', 'templates', 'session-table.txt'))
      .destinationDir(folder)
      .appRoot(this.application.cliCwd || this.application.appRoot)
      .useMustache()
      .apply({ tableName: table })
    await this.generator.run()
    this.logger.info(`Run "node ace migration:run" to create table "${table}"`)
    return file
  }
}

/**
 * The flags, declared without decorators (the package compiles without them)
 */
MakeSessionTable.boot()
MakeSessionTable.$addFlag({
  propertyName: 'table',
  type: 'string',
  description: 'Name of the table (defaults to "database.table" of config/session, else sessions)',
})
MakeSessionTable.$addFlag({
  propertyName: 'folder',
  type: 'string',
  description: 'Folder of the migration, relative to the app root (database/migrations)',
})
