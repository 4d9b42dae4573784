/*
 * @adonisjs/session
 */

declare module '@ioc:Adonis/Core/Application' {
  import { SessionManagerContract } from '@ioc:Adonis/Addons/Session'

  interface ContainerBindings {
    'Adonis/Addons/Session': SessionManagerContract
  }
}
