/*
 * @adonisjs/session
 *
 * Sessions per user with a real @adonisjs/auth 8 web guard (the session
 * guard and the Lucid user provider on SQLite): the README's lines that tag
 * on sign-in, untag on sign-out, list the devices and sign out the others,
 * remember-me tokens included, through real HTTP round trips on the memory,
 * file, redis and database drivers
 */

import { test } from '@japa/runner'
import { randomInt } from 'crypto'
import { remove } from 'fs-extra'
import type { Application } from '@adonisjs/core/build/standalone'
import type { RouterContract } from '@ioc:Adonis/Core/Route'
import { SESSION_DEFAULTS, TestApp, setupApp, tmpPath } from './helpers/app'
import { redisConnections } from './helpers/redis'
import { Browser } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { TestDatabase } from './helpers/database'

/**
 * The Lucid user provider needs a hasher; scrypt is node's own, so there is
 * no native module to install for it
 */
const HASH_CONFIG = `module.exports = {
  default: 'scrypt',
  list: {
    scrypt: {
      driver: 'scrypt',
      cost: 1024,
      blockSize: 8,
      parallelization: 1,
      saltSize: 16,
      keyLength: 64,
      maxMemory: 33554432,
    },
  },
}
`

const PASSWORD = 'correct horse battery staple'

const AUTH_CONFIG = `module.exports = {
  guard: 'web',
  guards: {
    web: {
      driver: 'session',
      provider: { driver: 'lucid', identifierKey: 'id', uids: ['email'] },
    },
  },
}
`

/**
 * The app's User model, made from its own Lucid binding: a model class
 * belongs to the app whose ORM it extends
 */
function defineUser(app: Application) {
  const { BaseModel } = app.container.use('Adonis/Lucid/Orm')
  class User extends BaseModel {
    public static table = 'users'
    public id!: number
    public email!: string
    public password!: string
    public rememberMeToken!: string | null
  }
  User.boot()
  User.$addColumn('id', { isPrimary: true })
  User.$addColumn('email', {})
  User.$addColumn('password', { serializeAs: null })
  User.$addColumn('rememberMeToken', { serializeAs: null })
  return User
}

type User = ReturnType<typeof defineUser>

/**
 * The routes of an app signed in to with the web guard, written with the
 * lines the README gives for `@adonisjs/auth` 8
 */
function defineAuthRoutes(Route: RouterContract, Session: TestApp['manager']) {
  Route.post('/login', async ({ auth, session, request }: any) => {
    const { email, password, remember } = request.only(['email', 'password', 'remember'])
    const user = await auth.use('web').verifyCredentials(email, password)
    // sign in
    await auth.use('web').login(user, remember === true)
    session.tag(user.id)
    return { id: session.sessionId }
  })

  Route.post('/logout', async ({ auth, session }: any) => {
    // sign out
    session.untag()
    await auth.use('web').logout()
    return { id: session.sessionId }
  })

  Route.get('/me', async ({ auth, session }: any) => {
    const signedIn = await auth.use('web').check()
    // a remembered device signing back in (after authenticate() or check())
    if (auth.use('web').viaRemember) session.tag(auth.user!.id)
    return { signedIn, email: auth.use('web').user?.email ?? null, id: session.sessionId }
  })

  Route.get('/devices', async ({ auth, session }: any) => {
    await auth.use('web').authenticate()
    // the devices page
    const devices = await Session.sessions().tagged(auth.user!.id)
    const current = devices.find((device) => device.id === session.sessionId)
    return { devices, current: current?.id ?? null }
  })

  Route.post('/password', async ({ auth, session }: any) => {
    await auth.use('web').authenticate()
    // sign out the other devices (for example after a password change)
    const ended = await Session.sessions().destroyTagged(auth.user!.id, {
      except: session.sessionId,
    })
    // with remember-me tokens: a new token, or their cookies sign the other devices back in
    auth.user!.rememberMeToken = null
    await auth.user!.save()
    return { ended }
  })
}

type AuthHarness = {
  app: TestApp
  User: User
  close(): Promise<void>
}

/**
 * A listening app with Lucid (users on SQLite), the auth provider and the
 * session provider on `driver`; on the database driver the sessions table
 * sits beside the users
 */
async function authApp(driver: 'memory' | 'file' | 'redis' | 'database'): Promise<AuthHarness> {
  const database = new TestDatabase('sqlite')
  await database.open()
  const location = tmpPath('auth-files')
  const stores: Record<string, Record<string, any>> = {
    memory: {},
    file: { file: { location } },
    redis: { redisConnection: 'local' },
    database: { database: { table: database.table } },
  }
  let User: User | undefined
  const app = await setupApp(
    { ...SESSION_DEFAULTS, driver, ...stores[driver] },
    {
      providers: [
        '@adonisjs/lucid',
        '@adonisjs/auth',
        ...(driver === 'redis' ? ['@adonisjs/redis'] : []),
      ],
      redis: driver === 'redis' ? redisConnections : undefined,
      files: {
        'config/database.js': database.databaseConfig(),
        'config/auth.js': AUTH_CONFIG,
        'config/hash.js': HASH_CONFIG,
      },
      beforeBoot(application) {
        // The Lucid provider of auth imports its model when a request first needs it
        application.container
          .use('Adonis/Core/Config')
          .set('auth.guards.web.provider.model', async () => User)
      },
    }
  )
  User = defineUser(app.app)
  await database.knex.schema.createTable('users', (table) => {
    table.increments('id')
    table.string('email').notNullable().unique()
    table.string('password').notNullable()
    table.string('remember_me_token').nullable()
  })
  if (driver === 'database') {
    await database.migrate(app)
  }
  defineSessionRoutes(app.Route)
  defineAuthRoutes(app.Route, app.manager)
  await app.listen()
  return {
    app,
    User,
    async close() {
      await app.close()
      await database.knex.schema.dropTableIfExists('users')
      await database.close()
      await remove(location)
    },
  }
}

/**
 * A new user no other test uses, so that specs sharing a store stay apart
 */
async function newUser({ app, User }: AuthHarness) {
  const hash = app.app.container.use('Adonis/Core/Hash')
  return User.create({
    // The memory and redis stores outlive the users table: an id restarting at 1 would meet old sessions
    id: randomInt(1, 2 ** 31 - 1),
    email: `user-${Math.random().toString(36).slice(2, 10)}@example.com`,
    password: await hash.make(PASSWORD),
  })
}

/**
 * A device (its own cookie jar) signed in as the user with the web guard
 */
async function signIn(url: string, email: string, userAgent: string, remember = false) {
  const device = new Browser(url)
  const anonymous = (await device.get('/me')).json.id as string
  const response = await device.post(
    '/login',
    { email, password: PASSWORD, remember },
    { 'user-agent': userAgent }
  )
  if (response.status !== 200) {
    // The server's error names what failed better than a missing id would
    throw new Error(`sign-in answered ${response.status}: ${response.text.slice(0, 900)}`)
  }
  return { device, anonymous, id: response.json.id as string }
}

for (const driver of ['memory', 'file', 'redis', 'database'] as const) {
  test.group(`@adonisjs/auth 8 web guard: ${driver} driver`, (group) => {
    let harness: AuthHarness
    group.each.setup(async () => {
      harness = await authApp(driver)
      return () => harness.close()
    })

    test('signing in from two devices lists both with their IP and user agent', async ({
      assert,
    }) => {
      const user = await newUser(harness)
      const laptop = await signIn(harness.app.url, user.email, 'laptop browser')
      const phone = await signIn(harness.app.url, user.email, 'phone browser')

      // The guard regenerates the id at sign-in: the tag must follow the new one
      assert.notEqual(laptop.id, laptop.anonymous)
      assert.equal((await laptop.device.get('/me')).json.id, laptop.id)

      const listed = await harness.app.manager.sessions().tagged(user.id)
      assert.sameMembers(
        listed.map((session) => session.id),
        [laptop.id, phone.id]
      )
      const agents = Object.fromEntries(listed.map((session) => [session.id, session.userAgent]))
      assert.deepEqual(agents, { [laptop.id]: 'laptop browser', [phone.id]: 'phone browser' })
      for (const session of listed) {
        assert.equal(session.userId, String(user.id))
        assert.equal(session.ip, '127.0.0.1')
      }

      const page = (await laptop.device.get('/devices')).json
      assert.equal(page.current, laptop.id)
      assert.lengthOf(page.devices, 2)
      assert.deepEqual((await phone.device.get('/me')).json, {
        signedIn: true,
        email: user.email,
        id: phone.id,
      })
      assert.deepEqual(await harness.app.manager.sessions().tagged((await newUser(harness)).id), [])
    })

    test('a password change signs the other device out and keeps this one', async ({ assert }) => {
      const user = await newUser(harness)
      const laptop = await signIn(harness.app.url, user.email, 'laptop browser')
      const phone = await signIn(harness.app.url, user.email, 'phone browser')
      const someoneElse = await newUser(harness)
      const other = await signIn(harness.app.url, someoneElse.email, 'their browser')

      assert.deepEqual((await laptop.device.post('/password')).json, { ended: 1 })

      const signedOut = (await phone.device.get('/me')).json
      assert.isFalse(signedOut.signedIn)
      assert.isNull(signedOut.email)
      assert.deepEqual((await laptop.device.get('/me')).json, {
        signedIn: true,
        email: user.email,
        id: laptop.id,
      })
      assert.deepEqual(
        (await harness.app.manager.sessions().tagged(user.id)).map((session) => session.id),
        [laptop.id]
      )
      assert.isTrue((await other.device.get('/me')).json.signedIn)
      assert.lengthOf(await harness.app.manager.sessions().tagged(someoneElse.id), 1)
    })

    test('a password change also signs out a device remembered with a remember-me token', async ({
      assert,
    }) => {
      const user = await newUser(harness)
      const phone = await signIn(harness.app.url, user.email, 'phone browser', true)
      const laptop = await signIn(harness.app.url, user.email, 'laptop browser')
      assert.isTrue(phone.device.cookies.has('remember_web'))

      assert.deepEqual((await laptop.device.post('/password')).json, { ended: 1 })

      assert.isFalse((await phone.device.get('/me')).json.signedIn)
      assert.isTrue((await laptop.device.get('/me')).json.signedIn)
      assert.deepEqual(
        (await harness.app.manager.sessions().tagged(user.id)).map((session) => session.id),
        [laptop.id]
      )
    })

    test('a remembered device signing back in is tagged again', async ({ assert }) => {
      const user = await newUser(harness)
      const phone = await signIn(harness.app.url, user.email, 'phone browser', true)
      await harness.app.manager.sessions().destroy(phone.id)

      const back = (await phone.device.get('/me', { 'user-agent': 'phone browser' })).json
      assert.isTrue(back.signedIn)
      assert.notEqual(back.id, phone.id)
      const listed = await harness.app.manager.sessions().tagged(user.id)
      assert.deepEqual(
        listed.map((session) => [session.id, session.userAgent]),
        [[back.id, 'phone browser']]
      )
    })

    test('signing out untags the device: it leaves the listing though its session lives on', async ({
      assert,
    }) => {
      const user = await newUser(harness)
      const laptop = new Browser(harness.app.url)
      await laptop.post('/put', { cart: 3 })
      const id = (await laptop.post('/login', { email: user.email, password: PASSWORD })).json.id
      const phone = await signIn(harness.app.url, user.email, 'phone browser')

      assert.deepEqual((await laptop.post('/logout')).json, { id })
      assert.deepEqual((await laptop.get('/me')).json, { signedIn: false, email: null, id })
      assert.deepEqual((await laptop.get('/all')).json.values, { cart: 3 })
      assert.deepEqual(
        (await harness.app.manager.sessions().tagged(user.id)).map((session) => session.id),
        [phone.id]
      )
      assert.isTrue((await phone.device.get('/me')).json.signedIn)
    })
  })
}
