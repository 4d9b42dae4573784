/*
|--------------------------------------------------------------------------
| Session config
|--------------------------------------------------------------------------
|
| The driver comes from SESSION_DRIVER: "memory" in ".env.test", which
| providers/AppProvider.ts registers with Session.extend() as the docs'
| "Extending from outside in" shows.
|
*/

import Env from '@ioc:Adonis/Core/Env'
import { sessionConfig } from '@adonisjs/session/build/config'

export default sessionConfig({
  enabled: true,
  driver: Env.get('SESSION_DRIVER'),
  cookieName: 'adonis-session',
  clearWithBrowser: false,
  age: '2h',
  cookie: {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
  },
})
