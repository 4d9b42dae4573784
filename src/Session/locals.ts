/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionContract, SessionViewLocals } from '@ioc:Adonis/Addons/Session'

/**
 * What `old()` needs of the flash messages
 */
export type FlashBag = { get(key: string, defaultValue?: any): any; has(key: string): boolean }

/**
 * The flashed value of a form field (dot paths for nested fields), or
 * `defaultValue`
 */
export function oldInput(flashMessages: FlashBag | undefined, field: string, defaultValue?: any) {
  return flashMessages ? flashMessages.get(field, defaultValue) : defaultValue
}

/**
 * Templates of the request get a read-only `session`, the `flashMessages`
 * and `old()`; nothing happens without `@adonisjs/view`
 */
export function shareWithView(ctx: any, session: SessionContract) {
  const view = ctx.view
  if (!view || typeof view.share !== 'function') {
    return
  }
  const flashMessages = session.flashMessages
  const locals: SessionViewLocals = {
    flashMessages,
    old: (field, defaultValue) => oldInput(flashMessages, field, defaultValue),
    session: {
      get: session.get.bind(session),
      has: session.has.bind(session),
      all: session.all.bind(session),
    },
  }
  view.share(locals)
}
