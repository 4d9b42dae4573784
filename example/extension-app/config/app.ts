/*
|--------------------------------------------------------------------------
| Application config
|--------------------------------------------------------------------------
|
| The parts of the web starter's config/app.ts a session needs: the key
| that signs the session id cookie, the HTTP server and the logger.
|
*/

import Env from '@ioc:Adonis/Core/Env'
import type { ServerConfig } from '@ioc:Adonis/Core/Server'
import type { LoggerConfig } from '@ioc:Adonis/Core/Logger'
import type { ProfilerConfig } from '@ioc:Adonis/Core/Profiler'

export const appKey: string = Env.get('APP_KEY')

export const http: ServerConfig = {
  allowMethodSpoofing: false,
  subdomainOffset: 2,
  generateRequestId: false,
  trustProxy: () => false,
  etag: false,
  jsonpCallbackName: 'callback',
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: false,
    sameSite: false,
  },
}

export const logger: LoggerConfig = {
  name: 'session-extension-app',
  enabled: true,
  level: 'error',
  prettyPrint: false,
}

export const profiler: ProfilerConfig = {
  enabled: false,
  blacklist: [],
  whitelist: [],
}
