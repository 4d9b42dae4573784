/*
 * @adonisjs/session
 */

import { TagIndex } from '../Shared/tags'
import { RedisCommands } from './connection'

/**
 * The redis driver's index: a set of session ids per user, under
 * `adonis-session:tagged:<user id>`, whose TTL follows its newest member.
 * Every command names that one key, so on a cluster none spans slots; the
 * sessions themselves keep their own keys (their ids, as in 6.4).
 */
export class RedisTagIndex implements TagIndex {
  constructor(private commands: RedisCommands, private ttlSeconds: number) {}

  public async add(userId: string, sessionId: string) {
    const key = this.keyFor(userId)
    await this.commands.run('SADD', (io) =>
      io.multi().sadd(key, sessionId).expire(key, this.ttlSeconds).exec()
    )
  }

  public async remove(userId: string, sessionId: string) {
    await this.commands.run('SREM', (io) => io.srem(this.keyFor(userId), sessionId))
  }

  public members(userId: string): Promise<string[]> {
    return this.commands.run('SMEMBERS', (io) => io.smembers(this.keyFor(userId)))
  }

  private keyFor(userId: string) {
    return `adonis-session:tagged:${userId}`
  }
}
