/**
 * Session settings, read once when the application boots.
 *
 * Reference: the "Session" guide of the AdonisJS v5 documentation.
 */

import Env from '@ioc:Adonis/Core/Env'
import Application from '@ioc:Adonis/Core/Application'
import { sessionConfig } from '@adonisjs/session/build/config'

export default sessionConfig({
  /*
  |--------------------------------------------------------------------------
  | Sessions on or off
  |--------------------------------------------------------------------------
  |
  | A master switch. With "false", no session cookie is read or written and
  | `ctx.session` must not be used by any route.
  |
  */
  enabled: true,

  /*
  |--------------------------------------------------------------------------
  | Driver
  |--------------------------------------------------------------------------
  |
  | Where session data is kept between requests:
  |
  | - cookie: inside an encrypted cookie in the browser. No server storage,
  |           fine behind a load balancer, limited to about 4kb of data.
  | - file:   one file per session in the "file.location" directory below.
  | - redis:  in Redis, through "@adonisjs/redis" (install and configure it
  |           first) and the connection named by "redisConnection".
  | - database: a table of a "config/database.ts" connection, through
  |           "@adonisjs/lucid" ("node ace make:session-table", then
  |           "node ace migration:run").
  | - memory: in the process memory. Meant for tests only.
  |
  | The value comes from the SESSION_DRIVER environment variable. Sessions
  | written by one driver are not visible to another, so changing it signs
  | every visitor out.
  |
  */
  driver: Env.get('SESSION_DRIVER'),

  /*
  |--------------------------------------------------------------------------
  | Cookie name
  |--------------------------------------------------------------------------
  |
  | Name of the signed cookie holding the session id. The cookie driver
  | stores the session data in a second cookie named after the id.
  |
  */
  cookieName: 'adonis-session',

  /*
  |--------------------------------------------------------------------------
  | End the session with the browser
  |--------------------------------------------------------------------------
  |
  | With "true", the session cookie is issued without an expiry, so the
  | browser drops it when it closes and "age" is not used for the cookie.
  |
  */
  clearWithBrowser: false,

  /*
  |--------------------------------------------------------------------------
  | Idle lifetime
  |--------------------------------------------------------------------------
  |
  | How long a session survives without any request. Every request resets
  | the clock. Give milliseconds as a number, or a string such as '2h',
  | '30 mins' or '7 days'.
  |
  */
  age: '2h',

  /*
  |--------------------------------------------------------------------------
  | Cookie options
  |--------------------------------------------------------------------------
  |
  | Applied to the session id cookie and to the cookie driver's data cookie.
  | "secure" keeps the cookie off plain HTTP in production; "sameSite: lax"
  | stops it from being sent along with cross-site POST requests.
  |
  */
  cookie: {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: Env.get('NODE_ENV') === 'production',
  },

  /*
  |--------------------------------------------------------------------------
  | Keys never flashed
  |--------------------------------------------------------------------------
  |
  | `session.flashAll()` and `session.flashExcept()` copy the request body
  | into the flash messages so a form can be refilled after a redirect.
  | Fields listed here are left out of that copy, so secrets are never
  | written to the session store.
  |
  */
  dontFlash: ['password', 'password_confirmation'],

  /*
  |--------------------------------------------------------------------------
  | File driver
  |--------------------------------------------------------------------------
  |
  | Absolute path of the directory that holds one file per session. It is
  | created when missing. Use sticky sessions behind a load balancer.
  |
  */
  file: {
    location: Application.tmpPath('sessions'),
  },

  /*
  |--------------------------------------------------------------------------
  | Redis driver
  |--------------------------------------------------------------------------
  |
  | Name of the connection, defined in "config/redis.ts", that the redis
  | driver stores sessions on.
  |
  */
  redisConnection: 'local',

  /*
  |--------------------------------------------------------------------------
  | Database driver
  |--------------------------------------------------------------------------
  |
  | The connection of "config/database.ts" (its default one when omitted)
  | and the table the migration of "node ace make:session-table" creates.
  |
  */
  database: {
    table: 'sessions',
  },
})
