/*
|--------------------------------------------------------------------------
| Middleware
|--------------------------------------------------------------------------
|
| The session is not a middleware in AdonisJS v5: its provider hooks into
| the server, so `ctx.session` is ready before these run.
|
*/

import Server from '@ioc:Adonis/Core/Server'

Server.middleware.register([
  () => import('@ioc:Adonis/Core/BodyParser'),
  () => import('@ioc:Adonis/Addons/Shield'),
])

Server.middleware.registerNamed({
  auth: () => import('App/Middleware/Auth'),
})
