/*
 * @adonisjs/session
 *
 * What `node ace configure @adonisjs/session` runs inside an application.
 *
 * `@adonisjs/sink` calls the default export with the application root, the
 * application and the sink toolbox. Every step checks the application before
 * touching it, so configuring twice changes nothing the second time, and a
 * value the application already has (such as SESSION_DRIVER) is never
 * overwritten.
 */

import { join } from 'path'
import { existsSync, readFileSync } from 'fs'
import type { ApplicationContract } from '@ioc:Adonis/Core/Application'

/**
 * The part of the `@adonisjs/sink` 5 toolbox this file uses. Sink hands
 * itself over as the third argument, so the package needs no dependency on
 * it: only these shapes, which `typeof import('@adonisjs/sink')` satisfies.
 */
interface EditableFile {
  exists(): boolean
  commit(): void
}
interface LinesFile extends EditableFile {
  get(): string[]
  add(line: string): LinesFile
}
interface JsonLikeFile extends EditableFile {
  get(key: string, defaultValue?: any): any
  set(key: string, value: any): unknown
}
interface RcFile extends JsonLikeFile {
  addProvider(provider: string): void
  addCommand(commandPath: string): void
}
interface InstructionsBox {
  heading(text: string): InstructionsBox
  add(text: string): InstructionsBox
  render(): void
}
interface Sink {
  logger: {
    info(message: string): void
    colors: { cyan(text: string): string }
    action(name: string): {
      succeeded(message: string): void
      skipped(message: string, reason?: string): void
    }
  }
  instructions(): InstructionsBox
  getPrompt(): {
    choice<Choice extends string>(
      title: string,
      choices: readonly { name: Choice; message?: string; hint?: string }[],
      options?: { default?: string }
    ): Promise<Choice>
  }
  files: {
    NewLineFile: new (basePath: string, fileName: string) => LinesFile
    JsonFile: new (basePath: string, fileName: string) => JsonLikeFile
    AdonisRcFile: new (basePath: string) => RcFile
    TemplateLiteralFile: new (
      basePath: string,
      fileName: string,
      templatePath: string
    ) => EditableFile & { apply(data?: any): EditableFile }
  }
}

/**
 * Drivers offered at configure time. "memory" exists too, but only for tests
 */
const DRIVERS = [
  { name: 'cookie', message: 'cookie', hint: 'encrypted cookie in the browser, no server storage' },
  { name: 'file', message: 'file', hint: 'one file per session in tmp/sessions' },
  { name: 'redis', message: 'redis', hint: 'Redis, through @adonisjs/redis 7' },
  { name: 'database', message: 'database', hint: 'a SQL table, through @adonisjs/lucid 18' },
] as const

type Driver = (typeof DRIVERS)[number]['name']

const DEFAULT_DRIVER: Driver = 'cookie'
const ENV_KEY = 'SESSION_DRIVER'
const PACKAGE_NAME = '@adonisjs/session'
const COMMANDS_PATH = '@adonisjs/session/build/commands'

/**
 * Entry point called by sink
 */
export default async function instructions(
  projectRoot: string,
  app: ApplicationContract,
  sink: Sink
) {
  const driver = await chooseDriver(projectRoot, sink)

  const createdConfig = createConfigFile(projectRoot, app, sink)
  defineEnvVariable(projectRoot, '.env', driver, sink)
  if (existsSync(join(projectRoot, '.env.example'))) {
    defineEnvVariable(projectRoot, '.env.example', driver, sink)
  }
  registerTypes(projectRoot, sink)
  registerProviderAndCommands(projectRoot, sink)

  if (driver === 'redis') {
    checkRedisSetup(projectRoot, sink)
  }
  if (driver === 'database') {
    printDatabaseSteps(projectRoot, sink)
  }
  printEnvValidationRule(projectRoot, sink)
  printSummary(createdConfig, driver, sink)
}

/**
 * Picks the driver, in this order: the one already in ".env", a valid
 * SESSION_DRIVER from the shell, the user's answer when a terminal is
 * attached, and otherwise "cookie". It never waits on a closed stdin.
 */
async function chooseDriver(projectRoot: string, sink: Sink): Promise<string> {
  const existing = readEnvValue(projectRoot, '.env', sink)
  if (existing) {
    sink.logger.info(`Keeping ${ENV_KEY}=${existing} from .env`)
    return existing
  }

  const fromShell = process.env[ENV_KEY]
  if (isOfferedDriver(fromShell)) {
    return fromShell
  }

  if (!canPrompt()) {
    sink.logger.info(
      `No interactive terminal: using the "${DEFAULT_DRIVER}" driver. Run with ${ENV_KEY}=file or ${ENV_KEY}=redis to pick another one`
    )
    return DEFAULT_DRIVER
  }

  return sink.getPrompt().choice('Select the session driver', DRIVERS, {
    default: DEFAULT_DRIVER,
  })
}

/**
 * Prompts need a terminal on both ends, and never run in CI
 */
function canPrompt() {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY && !('CI' in process.env))
}

function isOfferedDriver(value: string | undefined): value is Driver {
  return DRIVERS.some((driver) => driver.name === value)
}

/**
 * Value of a key in an env file, or null when the file or key is missing
 */
function readEnvValue(projectRoot: string, fileName: string, sink: Sink) {
  const line = new sink.files.NewLineFile(projectRoot, fileName)
    .get()
    .find((entry) => entry.startsWith(`${ENV_KEY}=`))
  return line ? line.slice(ENV_KEY.length + 1).trim() || null : null
}

/**
 * Copies "templates/session.txt" to "config/session.ts" unless the
 * application already has that file. Returns whether it was created.
 */
function createConfigFile(projectRoot: string, app: ApplicationContract, sink: Sink): boolean {
  const configDirectory = app.directoriesMap.get('config') || 'config'
  const destination = join(configDirectory, 'session.ts')
  const config = new sink.files.TemplateLiteralFile(
    projectRoot,
    destination,
    join(__dirname, 'templates', 'session.txt')
  )

  if (config.exists()) {
    sink.logger.action('create').skipped(destination, 'already exists')
    return false
  }

  config.apply({}).commit()
  sink.logger.action('create').succeeded(destination)
  return true
}

/**
 * Adds "SESSION_DRIVER=<driver>" to an env file that does not define it
 */
function defineEnvVariable(projectRoot: string, fileName: string, driver: string, sink: Sink) {
  if (readEnvValue(projectRoot, fileName, sink)) {
    return
  }

  new sink.files.NewLineFile(projectRoot, fileName).add(`${ENV_KEY}=${driver}`).commit()
  sink.logger.action('update').succeeded(`${fileName} { ${ENV_KEY}=${driver} }`)
}

/**
 * Makes "@ioc:Adonis/Addons/Session" and `ctx.session` known to TypeScript
 */
function registerTypes(projectRoot: string, sink: Sink) {
  const tsConfig = new sink.files.JsonFile(projectRoot, 'tsconfig.json')
  const types: string[] = tsConfig.get('compilerOptions.types') || []
  if (types.includes(PACKAGE_NAME)) {
    return
  }

  tsConfig.set('compilerOptions.types', [...types, PACKAGE_NAME])
  tsConfig.commit()
  sink.logger.action('update').succeeded(`tsconfig.json { types += ${PACKAGE_NAME} }`)
}

/**
 * Registers the provider, and the ace commands when this build ships them
 */
function registerProviderAndCommands(projectRoot: string, sink: Sink) {
  const rcFile = new sink.files.AdonisRcFile(projectRoot)
  const added: string[] = []

  if (!rcFile.get('providers', []).includes(PACKAGE_NAME)) {
    rcFile.addProvider(PACKAGE_NAME)
    added.push(`providers += ${PACKAGE_NAME}`)
  }

  const shipsCommands = existsSync(join(__dirname, 'commands', 'index.js'))
  if (shipsCommands && !rcFile.get('commands', []).includes(COMMANDS_PATH)) {
    rcFile.addCommand(COMMANDS_PATH)
    added.push(`commands += ${COMMANDS_PATH}`)
  }

  if (!added.length) {
    return
  }
  rcFile.commit()
  sink.logger.action('update').succeeded(`.adonisrc.json { ${added.join(', ')} }`)
}

/**
 * The redis driver needs "@adonisjs/redis" installed and registered, with a
 * "local" connection. Says what is missing; installs nothing.
 */
function checkRedisSetup(projectRoot: string, sink: Sink) {
  const steps = sink.instructions().heading('The redis driver needs @adonisjs/redis')

  if (!isInstalled(projectRoot, '@adonisjs/redis')) {
    steps
      .add(`Install it: ${sink.logger.colors.cyan('npm i @adonisjs/redis@7')}`)
      .add(`Configure it: ${sink.logger.colors.cyan('node ace configure @adonisjs/redis')}`)
  } else if (
    !new sink.files.AdonisRcFile(projectRoot).get('providers', []).includes('@adonisjs/redis')
  ) {
    steps.add(`Configure it: ${sink.logger.colors.cyan('node ace configure @adonisjs/redis')}`)
  } else {
    return
  }

  steps
    .add(
      'Sessions use the "local" connection of config/redis.ts ("redisConnection" in config/session.ts)'
    )
    .render()
}

/**
 * The database driver needs "@adonisjs/lucid" and the sessions table: says
 * what to run; installs and runs nothing
 */
function printDatabaseSteps(projectRoot: string, sink: Sink) {
  const steps = sink.instructions().heading('The database driver needs @adonisjs/lucid and a table')
  if (!isInstalled(projectRoot, '@adonisjs/lucid')) {
    steps
      .add(`Install it: ${sink.logger.colors.cyan('npm i @adonisjs/lucid@18')}`)
      .add(`Configure it: ${sink.logger.colors.cyan('node ace configure @adonisjs/lucid')}`)
  }
  steps
    .add(`Write the migration: ${sink.logger.colors.cyan('node ace make:session-table')}`)
    .add(`Create the table: ${sink.logger.colors.cyan('node ace migration:run')}`)
    .render()
}

function isInstalled(projectRoot: string, packageName: string) {
  try {
    require.resolve(`${packageName}/package.json`, { paths: [projectRoot] })
    return true
  } catch {
    return false
  }
}

/**
 * Prints the env.ts validation rule, unless env.ts already mentions
 * SESSION_DRIVER
 */
function printEnvValidationRule(projectRoot: string, sink: Sink) {
  const envFile = ['env.ts', 'env.js']
    .map((name) => join(projectRoot, name))
    .find((path) => existsSync(path))

  if (envFile && readFileSync(envFile, 'utf-8').includes(ENV_KEY)) {
    return
  }

  sink
    .instructions()
    .heading('Validate the session environment variable')
    .add('Open "env.ts" and add this rule inside "Env.rules({ ... })":')
    .add(sink.logger.colors.cyan(`${ENV_KEY}: Env.schema.string(),`))
    .render()
}

/**
 * Says what configure did, in the terminal: the package declares no
 * "instructionsMd", whose "where to display instructions" prompt would stop
 * a configure run without a terminal before ace regenerates its manifest
 */
function printSummary(createdConfig: boolean, driver: string, sink: Sink) {
  const configLine = createdConfig
    ? 'Created "config/session.ts"'
    : 'Kept your "config/session.ts" as it was (a config written for 6.4 works unchanged)'

  sink
    .instructions()
    .heading('Sessions are configured')
    .add(configLine)
    .add(`Driver: ${driver} (${ENV_KEY} in .env)`)
    .add(
      `Expired sessions (file and database drivers): ${sink.logger.colors.cyan(
        'node ace session:gc'
      )}`
    )
    .render()
}
