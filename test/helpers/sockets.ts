/*
 * @adonisjs/session
 *
 * A `ws` server on a test app's HTTP server, set up as the README shows,
 * and a client that connects with a browser's cookies
 */

import { IncomingMessage } from 'http'
import { Duplex } from 'stream'
import WebSocket, { WebSocketServer } from 'ws'
import type { ReadonlySessionContract } from '@ioc:Adonis/Addons/Session'
import { TestApp } from './app'

/**
 * What the server sends for a session: on connection, then in answer to
 * every message (after a new `Session.readonly` read)
 */
export type SessionSnapshot = {
  id: string
  fresh: boolean
  values: Record<string, any>
  flash: Record<string, any>
}

export type SocketServer = {
  /**
   * The sessions handed out, last one last
   */
  sessions: ReadonlySessionContract[]
  /**
   * Errors `Session.readonly` rejected with
   */
  errors: any[]
  close(): void
}

function snapshot(session: ReadonlySessionContract): SessionSnapshot {
  return {
    id: session.sessionId,
    fresh: session.fresh,
    values: session.all(),
    flash: session.flashMessages.all(),
  }
}

function refuse(socket: Duplex, status: string) {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * Accepts upgrades on every path; `/private` only for a session holding
 * `auth_web` (the user id `@adonisjs/auth`'s `web` session guard stores)
 */
export function attachSocketServer(app: TestApp): SocketServer {
  const Session = app.app.container.use('Adonis/Addons/Session')
  const httpServer = app.app.container.use('Adonis/Core/Server').instance!
  const wss = new WebSocketServer({ noServer: true })
  const result: SocketServer = {
    sessions: [],
    errors: [],
    close() {
      wss.clients.forEach((client) => client.terminate())
      wss.close()
    },
  }

  async function read(request: IncomingMessage) {
    const session = await Session.readonly(request)
    result.sessions.push(session)
    return session
  }

  httpServer.on('upgrade', async function upgrade(request, socket, head) {
    let session: ReadonlySessionContract
    try {
      session = await read(request)
    } catch (error) {
      result.errors.push(error)
      return refuse(socket, '503 Service Unavailable')
    }
    if (request.url === '/private' && !session.has('auth_web')) {
      return refuse(socket, '401 Unauthorized')
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify(snapshot(session)))
      ws.on('message', async () => {
        ws.send(JSON.stringify(snapshot(await read(request))))
      })
    })
  })
  return result
}

/**
 * Start `app` listening with a socket server on it; `close` ends the
 * connections first, since an open one would keep the HTTP server up
 */
export async function listenWithSockets(app: TestApp) {
  await app.listen()
  const sockets = attachSocketServer(app)
  return {
    sockets,
    async close() {
      sockets.close()
      await app.close()
    },
  }
}

export type SocketClient = {
  ws: WebSocket
  /**
   * The snapshot the server sent on connection
   */
  first: SessionSnapshot
  /**
   * Headers of the 101 response
   */
  headers: IncomingMessage['headers']
  /**
   * Ask the server to read the session again
   */
  read(): Promise<SessionSnapshot>
}

function nextMessage(ws: WebSocket): Promise<SessionSnapshot> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))))
    ws.once('error', reject)
  })
}

/**
 * Open a WebSocket to the app with the given Cookie header
 */
export async function connect(url: string, path: string, cookie: string): Promise<SocketClient> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, {
    headers: cookie ? { cookie } : {},
  })
  const upgraded = new Promise<IncomingMessage['headers']>((resolve, reject) => {
    ws.once('upgrade', (response) => resolve(response.headers))
    ws.once('unexpected-response', (_, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`))
    )
    ws.once('error', reject)
  })
  const first = nextMessage(ws)
  first.catch(() => {})
  const headers = await upgraded
  return {
    ws,
    headers,
    first: await first,
    read() {
      const answer = nextMessage(ws)
      ws.send('read')
      return answer
    },
  }
}

/**
 * The status the server refused an upgrade with
 */
export async function refusedWith(url: string, path: string, cookie: string): Promise<number> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, {
    headers: cookie ? { cookie } : {},
  })
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_, response) => {
      resolve(response.statusCode!)
      ws.terminate()
    })
    ws.once('open', () => {
      ws.terminate()
      reject(new Error('the upgrade was accepted'))
    })
    ws.once('error', reject)
  })
}
