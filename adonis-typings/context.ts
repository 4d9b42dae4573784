/*
 * @adonisjs/session
 */

declare module '@ioc:Adonis/Core/HttpContext' {
  import { SessionContract } from '@ioc:Adonis/Addons/Session'

  interface HttpContextContract {
    session: SessionContract
  }
}
