import type { ApplicationContract } from '@ioc:Adonis/Core/Application'

/**
 * Application provider. Sessions, views, CSRF and Redis come from their own
 * providers; this one tells the views which session driver is in use and
 * starts the live cart socket.
 */
export default class AppProvider {
  constructor(protected app: ApplicationContract) {}

  public async boot() {
    const View = this.app.container.resolveBinding('Adonis/Core/View')
    View.global('sessionDriver', this.app.config.get('session.driver'))
  }

  /**
   * The live cart socket needs the HTTP server, which exists from here on
   * (preload files run before it is created)
   */
  public async ready() {
    if (this.app.environment === 'web') {
      await import('../start/socket')
    }
  }
}
