/*
 * @adonisjs/session
 *
 * Real databases for the tests: PostgreSQL on PG_HOST:PG_PORT, MySQL or
 * MariaDB on MYSQL_HOST:MYSQL_PORT and SQLite files. Each run uses tables
 * of its own, so parallel runs never collide.
 */

import { join } from 'path'
import { readFile, writeFile } from 'fs-extra'
import { randomBytes } from 'crypto'
import knexLib, { Knex } from 'knex'
import { Migrator } from '@adonisjs/lucid/build/src/Migrator'
import { AppOptions, SESSION_DEFAULTS, TestApp, setupApp, tmpPath } from './app'
import { decodePayload } from '../../src/Drivers/Shared/payload'
import MakeSessionTable from '../../commands/MakeSessionTable'

export type DialectName = 'pg' | 'mysql' | 'sqlite'

const env = process.env

/**
 * The knex / Lucid connection config of each dialect
 */
export function connectionConfig(dialect: DialectName, sqliteFile?: string): Record<string, any> {
  if (dialect === 'pg') {
    return {
      client: 'pg',
      connection: {
        host: env.PG_HOST || '127.0.0.1',
        port: Number(env.PG_PORT || 5432),
        user: env.PG_USER || 'postgres',
        password: env.PG_PASSWORD || '',
        database: env.PG_DATABASE || 'test',
      },
    }
  }
  if (dialect === 'mysql') {
    return {
      client: 'mysql2',
      connection: {
        host: env.MYSQL_HOST || '127.0.0.1',
        port: Number(env.MYSQL_PORT || 3306),
        user: env.MYSQL_USER || 'root',
        password: env.MYSQL_PASSWORD || '',
        database: env.MYSQL_DATABASE || 'test',
      },
    }
  }
  return { client: 'better-sqlite3', connection: { filename: sqliteFile }, useNullAsDefault: true }
}

/**
 * Record the SQL of every statement an app sends on its connection until
 * `stop()`: on PostgreSQL at the pg client, which the driver's prepared
 * statements reach without knex, elsewhere through knex's 'query' event
 */
export function recordStatements(testApp: TestApp, dialect: DialectName) {
  const statements: string[] = []
  if (dialect === 'pg') {
    const Client = require('pg').Client
    const query = Client.prototype.query
    Client.prototype.query = function recordedQuery(config: any, ...rest: any[]) {
      statements.push(typeof config === 'string' ? config : config.text)
      return query.call(this, config, ...rest)
    }
    return { statements, stop: () => (Client.prototype.query = query) }
  }
  const Database = testApp.app.container.use('Adonis/Lucid/Database') as any
  const knex = Database.connection('primary').getWriteClient()
  const listener = (query: any) => statements.push(query.sql)
  knex.on('query', listener)
  return { statements, stop: () => knex.off('query', listener) }
}

const UNREACHABLE: Record<DialectName, string> = {
  pg: 'PostgreSQL is not reachable with PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, PG_DATABASE',
  mysql:
    'MySQL/MariaDB is not reachable with MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE',
  sqlite: 'SQLite (better-sqlite3) cannot open its file',
}

/**
 * The test apps run without the `@ioc:` import transformer of a real app's
 * `node ace`: the generated migration gets the binding from the container
 */
async function resolveIocImports(file: string) {
  const source = await readFile(file, 'utf8')
  await writeFile(
    file,
    source.replace(
      "import BaseSchema from '@ioc:Adonis/Lucid/Schema'",
      "const BaseSchema = (global as any)[Symbol.for('ioc.use')]('Adonis/Lucid/Schema')"
    )
  )
}

/**
 * One session table of this run on one database, with a direct client to
 * look at it
 */
export class TestDatabase {
  public readonly table: string
  public readonly sqliteFile: string
  public knex: Knex

  /**
   * `existing` names the table (and SQLite file) of another process' run
   */
  constructor(
    public dialect: DialectName,
    public config = connectionConfig(dialect),
    existing?: { table: string; sqliteFile: string }
  ) {
    this.table = existing ? existing.table : `sessions_${randomBytes(5).toString('hex')}`
    this.sqliteFile = existing ? existing.sqliteFile : join(tmpPath('sqlite'), 'db.sqlite')
    if (dialect === 'sqlite') {
      this.config = connectionConfig(dialect, this.sqliteFile)
    }
  }

  /**
   * Connect, failing with the variables to set when the server is not there
   */
  public async open() {
    if (this.dialect === 'sqlite') {
      await require('fs-extra').ensureDir(join(this.sqliteFile, '..'))
    }
    this.knex = knexLib({ ...this.config, pool: { min: 0, max: 4 } })
    try {
      await this.knex.raw('select 1')
    } catch (error) {
      throw new Error(`${UNREACHABLE[this.dialect]} (${error.message})`)
    }
  }

  /**
   * Connect and create the table with a first app, closed again: the
   * groups' own apps then start on a table that is already there
   */
  public async openMigrated() {
    await this.open()
    const first = await this.app()
    try {
      await this.migrate(first)
    } finally {
      /**
       * After a failed migration too, so that no connection pool is left open
       */
      await first.close()
    }
  }

  /**
   * `config/database.js` of a test app using this database
   */
  public databaseConfig(extra: Record<string, any> = {}, name = 'primary', script = '') {
    const migrations = { tableName: `${this.table}_migrations` }
    const connection = { ...this.config, migrations, ...extra }
    const config = { connection: name, connections: { [name]: connection } }
    return `module.exports = ${JSON.stringify(config, null, 2)}\n${script}`
  }

  /**
   * A test app on the database driver with this table
   */
  public app(
    session: Record<string, any> = {},
    options: {
      connection?: Record<string, any>
      name?: string
      script?: string
      beforeBoot?: AppOptions['beforeBoot']
    } = {}
  ) {
    const file = this.databaseConfig(options.connection, options.name, options.script)
    return setupApp(
      { ...SESSION_DEFAULTS, driver: 'database', database: { table: this.table }, ...session },
      {
        providers: ['@adonisjs/lucid'],
        files: { 'config/database.js': file },
        beforeBoot: options.beforeBoot,
      }
    )
  }

  /**
   * Create the table with the migration `make:session-table` writes, run by
   * Lucid's migrator
   */
  public async migrate(testApp: TestApp, table = this.table) {
    const command = new MakeSessionTable(testApp.app as any, {} as any)
    command.table = table
    const file = await command.run()
    await resolveIocImports(file!.toJSON().filepath)
    const Database = testApp.app.container.use('Adonis/Lucid/Database')
    const migrator = new Migrator(Database as any, testApp.app as any, {
      direction: 'up',
      connectionName: 'primary',
    })
    await migrator.run()
    if (migrator.error) {
      throw migrator.error
    }
    return migrator
  }

  /**
   * The values stored for a session id
   */
  public async peek(id: string) {
    const row = await this.knex(this.table).where('id', id).first()
    return row ? decodePayload(id, row.payload) : null
  }

  /**
   * Make `text` the stored payload of a session (a live row)
   */
  public async writeRaw(id: string, text: string) {
    await this.knex(this.table).where('id', id).delete()
    await this.knex(this.table).insert({
      id,
      payload: text,
      version: 1,
      expires_at: Date.now() + 60_000,
    })
  }

  /**
   * Store a copy of one session's row under another id
   */
  public async copyStored(fromId: string, toId: string) {
    const row = await this.knex(this.table).where('id', fromId).first()
    await this.writeRaw(toId, row.payload)
  }

  /**
   * Make a row older than its age
   */
  public async expire(id: string) {
    await this.knex(this.table)
      .where('id', id)
      .update({ expires_at: Date.now() - 1000 })
  }

  public async close() {
    await this.knex.schema.dropTableIfExists(this.table)
    await this.knex.schema.dropTableIfExists(`${this.table}_migrations`)
    await this.knex.schema.dropTableIfExists(`${this.table}_migrations_versions`)
    await this.knex.destroy()
  }
}
