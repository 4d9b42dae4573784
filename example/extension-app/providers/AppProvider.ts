import { ApplicationContract } from '@ioc:Adonis/Core/Application'
export default class AppProvider {
  public static needsApplication = true
  constructor(protected app: ApplicationContract) {}
  public async boot() {
    const { MemoryDriver } = await import('./SessionDriver')
    const Session = this.app.container.use('Adonis/Addons/Session')
    Session.extend('memory', () => {
      return new MemoryDriver()
    })
  }
}
