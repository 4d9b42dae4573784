import { SessionDriverContract } from '@ioc:Adonis/Addons/Session'
const SESSIONS: Map<string, Record<string, any>> = new Map()
export class MemoryDriver implements SessionDriverContract {
  public async read(sessionId: string) {
    return SESSIONS.get(sessionId) || null
  }
  public async write(sessionId: string, values: Record<string, any>) {
    SESSIONS.set(sessionId, values)
  }
  public async destroy(sessionId: string) {
    SESSIONS.delete(sessionId)
  }
  public async touch() {}
}
