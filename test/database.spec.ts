/*
 * @adonisjs/session
 *
 * The database driver on PostgreSQL, MySQL/MariaDB and SQLite
 */

import { driverContract } from './helpers/contract'
import { captureLogs } from './helpers/logs'
import { DialectName, TestDatabase } from './helpers/database'

const DIALECTS: DialectName[] = ['pg', 'mysql', 'sqlite']

for (const dialect of DIALECTS) {
  const database = new TestDatabase(dialect)
  let migrated: Promise<void> | null = null

  /**
   * The first app of the dialect creates the table with the migration
   */
  const app = async (logs: any[] = []) => {
    migrated = migrated || database.openMigrated()
    await migrated
    return database.app({}, { beforeBoot: (application) => captureLogs(application, logs) })
  }

  driverContract(`database (${dialect})`, {
    merges: true,
    setup: app,
    driver: (testApp) => testApp.manager.createDriver(),
    writeRaw: (_, id, text) => database.writeRaw(id, text),
    copyStored: (_, fromId, toId) => database.copyStored(fromId, toId),
    peek: (_, id) => database.peek(id),
    expire: (_, id) => database.expire(id),
    teardown: () => database.close(),
  })
}
