import type { ApplicationContract } from '@ioc:Adonis/Core/Application'

/**
 * Application provider. Sessions, views, CSRF and Redis come from their own
 * providers; this one only tells the views which session driver is in use.
 */
export default class AppProvider {
  constructor(protected app: ApplicationContract) {}

  public async boot() {
    const View = this.app.container.resolveBinding('Adonis/Core/View')
    View.global('sessionDriver', this.app.config.get('session.driver'))
  }
}
