/*
 * @adonisjs/session
 */

import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { InvalidSessionConfigException } from '../errors'
import { DatabaseDriver, DatabaseRuntime } from '../Drivers/Database'
import { DatabaseSweeper } from '../Drivers/Database/sweeper'
import { dialectFor } from '../Drivers/Database/dialects'
import { UpdateBatches } from '../Drivers/Shared/batching'
import { PayloadCodec } from '../Drivers/Shared/codec'
import { ResolvedSessionConfig } from './config'

/**
 * What the database driver shares between the requests of one app
 */
export type DatabaseParts = { runtime: DatabaseRuntime; sweeper: DatabaseSweeper }

/**
 * The runtime over the configured Lucid connection and the sweeper of its
 * table. Raises the config errors at boot: Lucid missing, an unknown
 * connection, a dialect the driver does not speak. The connection itself
 * belongs to Lucid, which closes it at shutdown.
 */
export function databaseParts(
  application: ApplicationContract,
  config: ResolvedSessionConfig,
  batches: UpdateBatches
): DatabaseParts {
  const container = application.container
  if (!container.hasBinding('Adonis/Lucid/Database')) {
    throw InvalidSessionConfigException.lucidNotInstalled()
  }
  const Database = container.use('Adonis/Lucid/Database') as any
  const name = config.database.connection || Database.primaryConnectionName
  if (!name || !Database.manager.has(name)) {
    throw InvalidSessionConfigException.unknownDatabaseConnection(String(name))
  }
  const client = Database.connection(name)
  const dialect = dialectFor(client.dialect.name)
  if (!dialect) {
    throw InvalidSessionConfigException.unsupportedDatabase(name, client.dialect.name)
  }
  const options = { table: config.database.table, storeTimeoutMs: config.storeTimeoutMs }
  const runtime = new DatabaseRuntime(client, dialect, options, batches)
  const logger = application.logger
  const sweeper = new DatabaseSweeper(runtime, (error: any) => {
    logger.warn('sweeping expired sessions failed: %s', error && error.message)
  })
  return { runtime, sweeper }
}

/**
 * A database driver per request; a request may start a background sweep
 * (the `gcProbability` lottery)
 */
export function databaseFactory(
  { runtime, sweeper }: DatabaseParts,
  config: ResolvedSessionConfig,
  logger: LoggerContract,
  codec: () => PayloadCodec
) {
  const { ageMs, refreshAfterMs, maxPayloadBytes } = config
  const options = { ageMs, refreshAfterMs, maxPayloadBytes }
  const probability = config.gcProbability
  return (ctx?: HttpContextContract) => {
    if (probability > 0 && Math.random() < probability) {
      sweeper.schedule()
    }
    return new DatabaseDriver(options, runtime, ctx ? ctx.logger : logger, codec())
  }
}
