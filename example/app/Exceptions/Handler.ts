/**
 * Renders the HTTP error pages. A 403 (for example a POST without a valid
 * CSRF token) renders "errors/unauthorized".
 */

import Logger from '@ioc:Adonis/Core/Logger'
import HttpExceptionHandler from '@ioc:Adonis/Core/HttpExceptionHandler'

export default class ExceptionHandler extends HttpExceptionHandler {
  protected statusPages = {
    '403': 'errors/unauthorized',
    '404': 'errors/not-found',
    '500..599': 'errors/server-error',
  }

  /**
   * Show the friendly pages in development too: this is a demo.
   */
  protected disableStatusPagesInDevelopment = false

  constructor() {
    super(Logger)
  }
}
