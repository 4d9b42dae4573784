/*
 * @adonisjs/session
 */

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { InvalidSessionConfigException } from '../errors'
import { FileDriver, FileRuntime } from '../Drivers/File'
import { FileSweeper } from '../Drivers/File/Sweeper'
import { FileWorkerClient } from '../Drivers/File/WorkerClient'
import { UpdateBatches } from '../Drivers/Shared/batching'
import { PayloadCodec } from '../Drivers/Shared/codec'
import { ResolvedSessionConfig } from './config'

/**
 * What the file driver shares between the requests of one app
 */
export type FileParts = { runtime: FileRuntime; sweeper: FileSweeper }

/**
 * The configured `file.location`; raises the config error when missing
 */
function fileLocation(config: ResolvedSessionConfig): string {
  const location = config.file && config.file.location
  if (!location) {
    throw InvalidSessionConfigException.missingFileLocation()
  }
  return location
}

/**
 * The file worker and the sweeper of the sessions folder, made once per
 * app. Raises the config error at boot: no `file.location`.
 */
export function fileParts(config: ResolvedSessionConfig, batches: UpdateBatches): FileParts {
  const location = fileLocation(config)
  const runtime: FileRuntime = { worker: new FileWorkerClient(), batches }
  return { runtime, sweeper: new FileSweeper(location, config.ageMs, runtime.worker) }
}

/**
 * A file driver per request; a request may start a background sweep (the
 * `gcProbability` lottery)
 */
export function fileFactory(
  { runtime, sweeper }: FileParts,
  config: ResolvedSessionConfig,
  logger: LoggerContract,
  codec: () => PayloadCodec
) {
  const { ageMs, refreshAfterMs, gcProbability, fileLockWaitMs, maxPayloadBytes } = config
  const location = fileLocation(config)
  const options = { location, ageMs, refreshAfterMs, lockWaitMs: fileLockWaitMs, maxPayloadBytes }
  return (ctx?: HttpContextContract) => {
    if (gcProbability > 0 && Math.random() < gcProbability) {
      sweeper.schedule()
    }
    return new FileDriver(options, runtime, ctx ? ctx.logger : logger, codec())
  }
}
