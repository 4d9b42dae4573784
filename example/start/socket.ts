/*
|--------------------------------------------------------------------------
| Live cart over a WebSocket (imported by AppProvider.ready)
|--------------------------------------------------------------------------
|
| Every tab of a browser opens a WebSocket on /cart/live. The connection
| reads the session once, read-only (`Session.readonly`), to know whose it
| is and to send the current cart count. When an HTTP request changes the
| cart, the count goes to every socket of that session, so a second tab
| follows without a reload.
|
*/

import { IncomingMessage } from 'http'
import { Duplex } from 'stream'
import { WebSocketServer, WebSocket } from 'ws'
import Server from '@ioc:Adonis/Core/Server'
import Event from '@ioc:Adonis/Core/Event'
import Logger from '@ioc:Adonis/Core/Logger'
import Session from '@ioc:Adonis/Addons/Session'

const PATH = '/cart/live'
const wss = new WebSocketServer({ noServer: true })

/**
 * The open sockets of each session, by session id
 */
const socketsBySession: Map<string, Set<WebSocket>> = new Map()

function send(socket: WebSocket, count: number) {
  socket.send(JSON.stringify({ cart: count }))
}

/**
 * A page of another site must not open a socket with this site's cookies
 */
function isSameOrigin(request: IncomingMessage) {
  const origin = request.headers.origin
  try {
    return !origin || new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

function track(sessionId: string, socket: WebSocket) {
  const sockets = socketsBySession.get(sessionId) || new Set()
  socketsBySession.set(sessionId, sockets.add(socket))
  socket.once('close', () => {
    sockets.delete(socket)
    if (!sockets.size) {
      socketsBySession.delete(sessionId)
    }
  })
}

async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
  if (new URL(request.url || '/', 'http://localhost').pathname !== PATH || !isSameOrigin(request)) {
    return socket.destroy()
  }
  try {
    const session = await Session.readonly(request)
    wss.handleUpgrade(request, socket, head, (ws) => {
      track(session.sessionId, ws)
      send(ws, session.get('cart', 0))
    })
  } catch (error) {
    Logger.warn('cart socket refused: %s', error.message)
    socket.destroy()
  }
}

Server.instance!.on('upgrade', upgrade)

Event.on('cart:changed', ({ sessionId, count }) => {
  socketsBySession.get(sessionId)?.forEach((socket) => send(socket, count))
})
