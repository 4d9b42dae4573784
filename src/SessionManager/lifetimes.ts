/*
 * @adonisjs/session
 */

import { AppKeys } from '../Drivers/Shared/keys'
import { SessionLifetime } from '../Drivers/Shared/lifetime'
import { PayloadCodec } from '../Drivers/Shared/codec'
import { ResolvedSessionConfig } from './config'

/**
 * Gives each request its session lifetime (`maxLifetime`) and the codec
 * its store driver encodes payloads with. Without `maxLifetime` a lifetime
 * keeps no state, so every request shares one, and one codec on it.
 */
export class RequestLifetimes {
  /**
   * When the app booted: the creation time assumed, under `maxLifetime`,
   * for sessions stored without one
   */
  private bootedAt = Date.now()

  /**
   * The clock of `maxLifetime` (replaced by the tests to move time on)
   */
  public now: () => number = Date.now

  private unlimited: { lifetime: SessionLifetime; codec: PayloadCodec } | null = null

  constructor(private config: ResolvedSessionConfig, private keys: AppKeys) {}

  public lifetime(): SessionLifetime {
    if (this.config.maxLifetimeMs === null) {
      return this.shared().lifetime
    }
    return new SessionLifetime(this.config.maxLifetimeMs, this.bootedAt, this.now)
  }

  public codec(): PayloadCodec {
    if (this.config.maxLifetimeMs === null) {
      return this.shared().codec
    }
    return new PayloadCodec(this.lifetime(), this.keys, this.config.encrypt)
  }

  private shared() {
    if (!this.unlimited) {
      const lifetime = new SessionLifetime(null)
      this.unlimited = {
        lifetime,
        codec: new PayloadCodec(lifetime, this.keys, this.config.encrypt),
      }
    }
    return this.unlimited
  }
}
