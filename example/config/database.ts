/**
 * Database connections, used by the session "database" driver of the demo.
 *
 * Reference: the "Database" guide of the AdonisJS v5 documentation.
 */

import Application from '@ioc:Adonis/Core/Application'
import { DatabaseConfig } from '@ioc:Adonis/Lucid/Database'

const databaseConfig: DatabaseConfig = {
  /*
  |--------------------------------------------------------------------------
  | Default connection
  |--------------------------------------------------------------------------
  |
  | SQLite in a file of the app's tmp directory: nothing to install or run.
  | The session driver works the same on PostgreSQL and MySQL/MariaDB.
  |
  */
  connection: 'sqlite',

  connections: {
    sqlite: {
      client: 'better-sqlite3',
      connection: {
        filename: Application.tmpPath('db.sqlite3'),
      },
      useNullAsDefault: true,
      migrations: {
        naturalSort: true,
      },
    },
  },
}

export default databaseConfig
