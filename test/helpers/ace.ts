/*
 * @adonisjs/session
 *
 * Running the package's ace commands in a booted test app
 */

import { Kernel } from '@adonisjs/core/build/standalone'
import { TestApp } from './app'
import SessionGc from '../../commands/SessionGc'

/**
 * Run `session:gc` through the framework's ace Kernel, as `node ace
 * session:gc` does once the app is booted, capturing its output
 */
export async function runSessionGc(testApp: TestApp) {
  const kernel = new Kernel(testApp.app as any)
  kernel.register([SessionGc as any])
  kernel.mockConsoleOutput()
  const command: any = await kernel.exec('session:gc', [])
  const logs: string[] = command.ui.testingRenderer.logs.map((log: any) => plain(log.message))
  return { command, logs }
}

/**
 * A log line as `label: message`, whether cliui rendered its label with
 * colors, color names (testing mode) or plain brackets
 */
function plain(message: string) {
  const text = message.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
  const match = text.match(/^(?:\[ (\w+) \]|\w+\((\w+)\))\s+(.*)$/s)
  return match ? `${match[1] || match[2]}: ${match[3]}` : text
}
