/*
 * @adonisjs/session
 *
 * A pass-through around a real driver that reports every call it receives
 */

import type { SessionDriverContract } from '@ioc:Adonis/Addons/Session'

export type DriverCall = { method: string; id: string }

export function recording(
  driver: SessionDriverContract,
  calls: DriverCall[]
): SessionDriverContract {
  const record = (method: string, id: string) => calls.push({ method, id })
  const recorded: SessionDriverContract = {
    read: (id) => (record('read', id), driver.read(id)),
    write: (id, values) => (record('write', id), driver.write(id, values)),
    destroy: (id) => (record('destroy', id), driver.destroy(id)),
    touch: (id) => (record('touch', id), driver.touch(id)),
  }
  if (driver.update) {
    recorded.update = (id, updater) => (record('update', id), driver.update!(id, updater))
  }
  const peeking = driver as SessionDriverContract & { peek?: (id: string) => any }
  if (peeking.peek) {
    ;(recorded as typeof peeking).peek = (id) => (record('peek', id), peeking.peek!(id))
  }
  return recorded
}

/**
 * Record the calls of every driver the app's session manager creates from
 * now on
 */
export function recordDriverCalls(manager: any, calls: DriverCall[]) {
  const createDriver = manager.createDriver.bind(manager)
  manager.createDriver = (ctx?: any) => recording(createDriver(ctx), calls)
}
