/*
 * @adonisjs/session
 */

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { InvalidSessionDriverException } from '../errors'
import { SessionCookies } from '../Cookies'
import { CookieDriver } from '../Drivers/Cookie'
import { SessionLifetime } from '../Drivers/Shared/lifetime'
import { ResolvedSessionConfig } from './config'

/**
 * A cookie driver per request, on the request's data cookie: it cannot be
 * built without an HTTP context
 */
export function cookieFactory(
  config: ResolvedSessionConfig,
  cookies: SessionCookies,
  lifetime: () => SessionLifetime
) {
  return (ctx?: HttpContextContract) => {
    if (!ctx) {
      throw InvalidSessionDriverException.needsHttpContext('cookie')
    }
    return new CookieDriver(config, cookies.data, ctx, lifetime())
  }
}
