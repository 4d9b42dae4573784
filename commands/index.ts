/*
 * @adonisjs/session
 */

export default ['@adonisjs/session/build/commands/SessionGc']
