/*
 * @adonisjs/session
 */

import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { InvalidSessionConfigException } from '../errors'
import { RedisConnectionLike, RedisDriver } from '../Drivers/Redis'
import { RedisRuntime } from '../Drivers/Redis/runtime'
import { PayloadCodec } from '../Drivers/Shared/codec'
import { ResolvedSessionConfig } from './config'

/**
 * A redis driver per request on the configured `@adonisjs/redis`
 * connection. Raises the config errors at boot: no connection named,
 * `@adonisjs/redis` missing, a connection `config/redis.ts` does not define.
 */
export function redisFactory(
  application: ApplicationContract,
  config: ResolvedSessionConfig,
  runtime: RedisRuntime,
  codec: () => PayloadCodec
) {
  const name = config.redisConnection
  if (!name) {
    throw InvalidSessionConfigException.missingRedisConnection()
  }
  const container = application.container
  if (!container.hasBinding('Adonis/Addons/Redis')) {
    throw InvalidSessionConfigException.redisNotInstalled()
  }
  if (!application.config.get(`redis.connections.${name}`)) {
    throw InvalidSessionConfigException.unknownRedisConnection(name)
  }

  const redis = container.use('Adonis/Addons/Redis') as any
  const logger = application.logger
  const { ttlSeconds, storeTimeoutMs, maxPayloadBytes } = config
  const options = { connection: name, ttlSeconds, storeTimeoutMs, maxPayloadBytes }
  return (ctx?: HttpContextContract) => {
    const connection: RedisConnectionLike = redis.connection(name)
    return new RedisDriver(options, connection, runtime, ctx ? ctx.logger : logger, codec())
  }
}
