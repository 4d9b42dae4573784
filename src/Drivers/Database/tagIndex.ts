/*
 * @adonisjs/session
 */

import { TagIndex } from '../Shared/tags'
import { SessionTable } from './statements'

/**
 * The database driver's index is the table's `user_id` column, written in
 * the statement that writes the payload: a session row names its user
 * itself, so there is nothing to add or remove, and listing a user is one
 * query on the column's index.
 */
export class DatabaseTagIndex implements TagIndex {
  constructor(private table: SessionTable) {}

  public add() {}

  public remove() {}

  /**
   * The ids of the user's rows that have not expired
   */
  public members(userId: string): Promise<string[]> {
    return this.table.tagged(userId, Date.now())
  }
}
