/**
 * Events of the demo, with their payloads
 */

declare module '@ioc:Adonis/Core/Event' {
  interface EventsList {
    /**
     * The cart of a session changed; start/socket.ts tells its open tabs
     */
    'cart:changed': { sessionId: string; count: number }
  }
}
