/**
 * Infers the type of `Env.get()` from the rules in "env.ts".
 */

declare module '@ioc:Adonis/Core/Env' {
  type CustomTypes = typeof import('../env').default
  interface EnvTypes extends CustomTypes {}
}
