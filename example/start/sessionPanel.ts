/*
|--------------------------------------------------------------------------
| Session panel
|--------------------------------------------------------------------------
|
| Every page ends with a panel showing what the session did: the read of
| the current request, and the commit of the previous one (a page renders
| before its own commit). These hooks are registered after the session
| provider's, so the read has happened before and the commit after them.
|
*/

import Server from '@ioc:Adonis/Core/Server'
import { previousCommit, readReport, recordCommit } from 'App/Services/SessionPanel'

Server.hooks.before(async function shareSessionPanel(ctx) {
  if (ctx.session.initiated) {
    ctx.view.share({ sessionPanel: { read: readReport(ctx), previous: previousCommit(ctx) } })
  }
})

Server.hooks.after(async function recordSessionCommit(ctx) {
  recordCommit(ctx)
})
