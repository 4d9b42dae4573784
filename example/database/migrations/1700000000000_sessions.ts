import BaseSchema from '@ioc:Adonis/Lucid/Schema'

/**
 * The table of the session database driver (config/session.ts, driver "database")
 */
export default class extends BaseSchema {
  protected tableName = 'sessions'

  public async up() {
    this.schema.createTable(this.tableName, (table) => {
      if (this.db.dialect.name === 'mysql') {
        /**
         * Binary collation: session ids differ by case, and a case-insensitive
         * key would make two ids one row
         */
        table.charset('utf8mb4')
        table.collate('utf8mb4_bin')
      }

      table.string('id', 64).primary()

      /**
       * JSON of the session: text on PostgreSQL and SQLite, MEDIUMTEXT
       * (16 MB) on MySQL, whose TEXT holds 64 KB only
       */
      table.text('payload', 'mediumtext').notNullable()

      /**
       * Compare-and-set counter, raised by every write
       */
      table.bigInteger('version').notNullable().defaultTo(1)

      /**
       * Milliseconds since the epoch after which the row is no session
       */
      table.bigInteger('expires_at').notNullable().index()

      table.string('user_id', 64).nullable().index()
    })
  }

  public async down() {
    this.schema.dropTable(this.tableName)
  }
}
