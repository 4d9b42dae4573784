/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { inspect } from 'util'
import { Socket } from 'net'
import { IncomingMessage } from 'http'
import { HttpContextConstructorContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionManagerContract } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../errors'

/**
 * An HTTP context describing a test request (its method, path and host),
 * for a custom driver that reads one while the test stores the session
 */
function requestContext(HttpContext: HttpContextConstructorContract, request: any) {
  const { method, endpoint, baseUrl } = request.config
  const url = new URL(endpoint, baseUrl || 'http://localhost')
  const req = new IncomingMessage(new Socket())
  req.method = method
  req.url = `${url.pathname}${url.search}`
  req.headers.host = url.host
  return HttpContext.create(url.pathname, {}, req)
}

/**
 * Session helpers for `@japa/api-client` requests and responses. They read
 * and write through the driver the server uses, extensions included.
 */
export function defineTestsBindings(
  ApiRequest: any,
  ApiResponse: any,
  ApiClient: any,
  Session: SessionManagerContract,
  HttpContext: HttpContextConstructorContract
) {
  ApiRequest.getter(
    'sessionClient',
    function sessionClient(this: any) {
      return Session.client(requestContext(HttpContext, this))
    },
    true
  )

  ApiRequest.macro('session', function session(this: any, values: Record<string, any>) {
    if (!this.sessionClient.isEnabled()) {
      throw SessionRuntimeException.disabledForTests('session')
    }
    this.sessionClient.merge(values)
    return this
  })

  ApiRequest.macro(
    'flashMessages',
    function flashMessages(this: any, messages: Record<string, any>) {
      if (!this.sessionClient.isEnabled()) {
        throw SessionRuntimeException.disabledForTests('flash messages')
      }
      this.sessionClient.flashMessages.merge(messages)
      return this
    }
  )

  ApiResponse.macro('session', function session(this: any) {
    return this.sessionJar.session
  })

  ApiResponse.macro('flashMessages', function flashMessages(this: any) {
    return this.sessionJar.flashMessages || {}
  })

  ApiResponse.macro('assertSession', function assertSession(this: any, key: string, value?: any) {
    this.ensureHasAssert()
    this.assert.property(this.session(), key)
    if (value !== undefined) {
      this.assert.deepEqual(this.session()[key], value)
    }
  })

  ApiResponse.macro('assertSessionMissing', function assertSessionMissing(this: any, key: string) {
    this.ensureHasAssert()
    this.assert.notProperty(this.session(), key)
  })

  ApiResponse.macro(
    'assertFlashMessage',
    function assertFlashMessage(this: any, key: string, value?: any) {
      this.ensureHasAssert()
      this.assert.property(this.flashMessages(), key)
      if (value !== undefined) {
        this.assert.deepEqual(this.flashMessages()[key], value)
      }
    }
  )

  ApiResponse.macro('assertFlashMissing', function assertFlashMissing(this: any, key: string) {
    this.ensureHasAssert()
    this.assert.notProperty(this.flashMessages(), key)
  })

  ApiResponse.macro('dumpSession', function dumpSession(this: any, options?: any) {
    const inspectOptions = { depth: 2, showHidden: false, colors: true, ...options }
    console.log(`"session"        => ${inspect(this.session(), inspectOptions)}`)
    console.log(`"flashMessages"  => ${inspect(this.flashMessages(), inspectOptions)}`)
    return this
  })

  ApiClient.onRequest(function setupSession(request: any) {
    request.setup(async function sendSession() {
      const { cookies } = await request.sessionClient.commit()
      /**
       * The values are signed or encrypted already: they go in the jar as
       * they are, where `request.cookie()` would sign them again
       */
      for (const [name, value] of Object.entries(cookies)) {
        request.cookiesJar[name] = { name, value }
      }
      return async function forgetOnError(error: unknown) {
        if (error) {
          await request.sessionClient.forget()
        }
      }
    })

    request.teardown(async function readSession(response: any) {
      response.sessionJar = await request.sessionClient.load(response.cookies())
      await request.sessionClient.forget()
    })
  })
}
