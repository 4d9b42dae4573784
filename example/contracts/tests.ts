/**
 * Japa context augmentations. The session api-client macros
 * (`request.session()`, `response.assertSession()`...) come from
 * "@adonisjs/session" itself.
 */

import '@japa/runner'
