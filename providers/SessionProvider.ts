/*
 * @adonisjs/session
 */

/// <reference path="../adonis-typings/index.ts" />

import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { SessionManagerContract } from '@ioc:Adonis/Addons/Session'

/**
 * Registers the session manager and, on boot, `ctx.session`, the server
 * hooks, the Edge helpers (with @adonisjs/view) and the Japa api-client helpers
 */
export default class SessionProvider {
  public static needsApplication = true

  /**
   * The manager, once the container built it
   */
  private manager: SessionManagerContract | null = null

  constructor(protected app: ApplicationContract) {}

  public register() {
    this.app.container.singleton('Adonis/Addons/Session', () => {
      const { SessionManager } = require('../src/SessionManager')
      const manager: SessionManagerContract = new SessionManager(
        this.app,
        this.app.config.get('session', {})
      )
      this.manager = manager
      return manager
    })
  }

  /**
   * Resolve the configured driver once the app is ready, so that an
   * unknown driver or a missing driver setting fails at startup, not on the
   * first request. Extensions are registered during boot, before this.
   */
  public ready() {
    const Session = this.app.container.use('Adonis/Addons/Session')
    if (Session.isEnabled()) {
      Session.validateDriver()
    }
  }

  /**
   * Close what the session drivers share, so that an app that shuts down
   * leaves no worker thread or listener behind. Nothing is created for an
   * app that never used the manager.
   */
  public async shutdown() {
    await this.manager?.close()
  }

  public boot() {
    this.app.container.withBindings(
      ['Adonis/Core/Server', 'Adonis/Core/HttpContext', 'Adonis/Addons/Session'],
      (Server, HttpContext, Session) => {
        const { defineServerBindings } = require('../src/Bindings/Server')
        defineServerBindings(HttpContext, Server, Session)
      }
    )

    this.app.container.withBindings(['Adonis/Core/View'], (View) => {
      const { defineViewBindings } = require('../src/Bindings/View')
      defineViewBindings(View)
    })

    this.app.container.withBindings(
      [
        'Japa/Preset/ApiRequest',
        'Japa/Preset/ApiResponse',
        'Japa/Preset/ApiClient',
        'Adonis/Addons/Session',
        'Adonis/Core/HttpContext',
      ],
      (ApiRequest, ApiResponse, ApiClient, Session, HttpContext) => {
        const { defineTestsBindings } = require('../src/Bindings/Tests')
        defineTestsBindings(ApiRequest, ApiResponse, ApiClient, Session, HttpContext)
      }
    )
  }
}
