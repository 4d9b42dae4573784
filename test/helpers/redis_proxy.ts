/*
 * @adonisjs/session
 *
 * A TCP proxy on 127.0.0.1 between the app and a real redis-server, for
 * fault tests: it reads the RESP commands going up and the replies coming
 * back, and can hold a command back before Redis gets it, hold a reply back,
 * or drop a reply and reset the connection after Redis ran the command.
 */

import { createServer, connect, Server, Socket } from 'net'

/**
 * What the proxy does to the next commands named `command` (lower case);
 * `times` rules apply that often, then are spent (default: always)
 */
export type ProxyRule = {
  command: string
  times?: number
  delayRequestMs?: number
  delayReplyMs?: number
  dropReplyAndReset?: boolean
  /**
   * After a reset, new connections are refused for this long (a slow reconnect)
   */
  refuseConnectionsMs?: number
}

/**
 * Length in bytes of the first complete RESP element of `buffer` from
 * `start`, or -1 while it is incomplete
 */
function elementLength(buffer: Buffer, start: number): number {
  const lineEnd = buffer.indexOf('\r\n', start)
  if (lineEnd === -1) {
    return -1
  }
  const type = String.fromCharCode(buffer[start])
  const header = lineEnd + 2 - start
  if (type === '+' || type === '-' || type === ':') {
    return header
  }
  const count = Number(buffer.toString('latin1', start + 1, lineEnd))
  if (type === '$') {
    if (count < 0) {
      return header
    }
    return buffer.length >= lineEnd + 2 + count + 2 ? header + count + 2 : -1
  }
  let length = header
  for (let index = 0; index < count; index++) {
    const child = elementLength(buffer, start + length)
    if (child === -1) {
      return -1
    }
    length += child
  }
  return length
}

/**
 * Split the complete elements off `buffer`; the rest stays for later
 */
function splitElements(buffer: Buffer): { elements: Buffer[]; rest: Buffer } {
  const elements: Buffer[] = []
  let offset = 0
  for (;;) {
    if (offset >= buffer.length) {
      break
    }
    const length = elementLength(buffer, offset)
    if (length === -1) {
      break
    }
    elements.push(buffer.subarray(offset, offset + length))
    offset += length
  }
  return { elements, rest: buffer.subarray(offset) }
}

/**
 * The command's name (lower case) in a RESP array of bulk strings
 */
function commandName(element: Buffer): string {
  const text = element.toString('latin1', 0, Math.min(element.length, 64))
  const match = /^\*\d+\r\n\$\d+\r\n([^\r]*)\r\n/.exec(text)
  return match ? match[1].toLowerCase() : ''
}

/**
 * Forwards chunks in order, each after its own delay
 */
class OrderedSender {
  private chain: Promise<void> = Promise.resolve()

  constructor(private target: Socket) {}

  public send(chunk: Buffer, delayMs = 0, after?: () => void) {
    this.chain = this.chain.then(async () => {
      if (delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
      if (!this.target.destroyed) {
        this.target.write(chunk)
      }
      after?.()
    })
  }
}

export class RedisProxy {
  public port = 0
  /**
   * Names of the commands seen going up, in order
   */
  public commands: string[] = []
  private rules: ProxyRule[] = []
  private server: Server | null = null
  private sockets: Set<Socket> = new Set()
  private refuseUntil = 0

  constructor(private redisPort: number) {}

  /**
   * Apply `rule` to the next matching commands
   */
  public add(rule: ProxyRule) {
    this.rules.push({ ...rule })
  }

  public clearRules() {
    this.rules = []
  }

  public async start(): Promise<number> {
    this.server = createServer((client) => this.pipe(client))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this.port
  }

  public async stop() {
    this.sockets.forEach((socket) => socket.destroy())
    await new Promise((resolve) => this.server?.close(resolve))
    this.server = null
  }

  /**
   * The rule for one command, spending one use of it
   */
  private ruleFor(name: string): ProxyRule | undefined {
    const rule = this.rules.find((candidate) => candidate.command === name)
    if (rule && rule.times !== undefined && --rule.times <= 0) {
      this.rules.splice(this.rules.indexOf(rule), 1)
    }
    return rule
  }

  private pipe(client: Socket) {
    if (Date.now() < this.refuseUntil) {
      client.destroy()
      return
    }
    const upstream = connect(this.redisPort, '127.0.0.1')
    this.track(client)
    this.track(upstream)
    const up = new OrderedSender(upstream)
    const down = new OrderedSender(client)
    const awaiting: (ProxyRule | undefined)[] = []
    let requests = Buffer.alloc(0)
    let replies = Buffer.alloc(0)
    const reset = () => {
      client.destroy()
      upstream.destroy()
    }

    client.on('data', (chunk) => {
      const { elements, rest } = splitElements(Buffer.concat([requests, chunk]))
      requests = rest
      for (const element of elements) {
        const name = commandName(element)
        this.commands.push(name)
        const rule = this.ruleFor(name)
        awaiting.push(rule)
        up.send(element, rule?.delayRequestMs)
      }
    })
    upstream.on('data', (chunk) => {
      const { elements, rest } = splitElements(Buffer.concat([replies, chunk]))
      replies = rest
      for (const element of elements) {
        const rule = awaiting.shift()
        if (rule?.dropReplyAndReset) {
          this.refuseUntil = Date.now() + (rule.refuseConnectionsMs || 0)
          reset()
          return
        }
        down.send(element, rule?.delayReplyMs)
      }
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }

  private track(socket: Socket) {
    this.sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => this.sockets.delete(socket))
  }
}
