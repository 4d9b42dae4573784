/*
|--------------------------------------------------------------------------
| Environment variables
|--------------------------------------------------------------------------
|
| ".env.test" holds them all but PORT, which the test run picks (a free
| port), as .env.test would override it.
|
*/

import Env from '@ioc:Adonis/Core/Env'

export default Env.rules({
  HOST: Env.schema.string({ format: 'host' }),
  PORT: Env.schema.number(),
  APP_KEY: Env.schema.string(),
  SESSION_DRIVER: Env.schema.string(),
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
})
