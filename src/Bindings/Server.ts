/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { ServerContract } from '@ioc:Adonis/Core/Server'
import { HttpContextConstructorContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionManagerContract } from '@ioc:Adonis/Addons/Session'

/**
 * `ctx.session` (one Session per request, created on first access) and,
 * when sessions are enabled, the hooks that initiate and commit it
 */
export function defineServerBindings(
  HttpContext: HttpContextConstructorContract,
  Server: ServerContract,
  Session: SessionManagerContract
) {
  HttpContext.getter(
    'session',
    function session() {
      return Session.create(this)
    },
    true
  )

  if (!Session.isEnabled()) {
    return
  }

  Server.hooks.before(async function initiateSession(ctx) {
    await ctx.session.initiate(false)
  })

  Server.hooks.after(async function commitSession(ctx) {
    await ctx.session.commit()
  })
}
