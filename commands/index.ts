/*
 * @adonisjs/session
 */

export default [
  '@adonisjs/session/build/commands/SessionGc',
  '@adonisjs/session/build/commands/MakeSessionTable',
]
