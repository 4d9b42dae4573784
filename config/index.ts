/*
 * @adonisjs/session
 */

/// <reference path="../adonis-typings/index.ts" />

import { SessionConfig } from '@ioc:Adonis/Addons/Session'

/**
 * Identity helper that gives `config/session.ts` its types
 */
export function sessionConfig<Config extends SessionConfig>(config: Config): Config {
  return config
}
