/*
 * @adonisjs/session
 */

import { MemoryDriver } from '../Drivers/Memory'
import { SessionLifetime } from '../Drivers/Shared/lifetime'
import { ResolvedSessionConfig } from './config'

/**
 * A memory driver per request, over the sessions its class keeps for the
 * process (`MemoryDriver.sessions`)
 */
export function memoryFactory(config: ResolvedSessionConfig, lifetime: () => SessionLifetime) {
  return () => new MemoryDriver(config.ageMs, lifetime(), config.maxPayloadBytes)
}
