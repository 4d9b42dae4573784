/*
 * @adonisjs/session
 *
 * The redis driver on a cluster connection of @adonisjs/redis, against a
 * real 3-master cluster this spec starts on 127.0.0.1.
 */

import { test } from '@japa/runner'
import { execFile } from 'child_process'
import { join } from 'path'
import { promisify } from 'util'
import { ensureDir, remove } from 'fs-extra'
import Redis, { Cluster } from 'ioredis'
import type { RedisClusterConnectionContract } from '@ioc:Adonis/Addons/Redis'
import { setupApp, tmpPath, TestApp } from './helpers/app'
import { Browser, failures } from './helpers/browser'
import { defineSessionRoutes } from './helpers/routes'
import { signedIn } from './helpers/tagging'
import { RedisServer, bounded, freePorts } from './helpers/redis_server'

const REDIS_CLI = process.env.REDIS_CLI_BIN || 'redis-cli'
const MASTERS = 3

/**
 * Start one cluster-enabled node per port pair (client port, bus port)
 */
async function startNodes(dir: string, nodes: RedisServer[]) {
  const ports = await freePorts(MASTERS * 2)
  for (let index = 0; index < MASTERS; index++) {
    const [port, busPort] = [ports[index * 2], ports[index * 2 + 1]]
    const node = new RedisServer(port, [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '5000',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ])
    nodes.push(node)
    await node.start()
  }
}

/**
 * Split the slots over the nodes and wait until every node sees the
 * cluster as ok
 */
async function formCluster(nodes: RedisServer[]) {
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
  await promisify(execFile)(
    REDIS_CLI,
    ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
    { timeout: 30000 }
  )

  const clients = nodes.map((node) => new Redis({ host: '127.0.0.1', port: node.port }))
  try {
    const allOk = async () => {
      const infos = await Promise.all(clients.map((client) => client.cluster('INFO')))
      return infos.every((info) => String(info).includes('cluster_state:ok'))
    }
    const waitForOk = async () => {
      while (!(await allOk())) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    await bounded(waitForOk(), 20000, 'waiting for cluster_state:ok')
  } finally {
    clients.forEach((client) => client.disconnect())
  }
}

test.group('redis driver: cluster connection', (group) => {
  const nodes: RedisServer[] = []
  let dir: string
  let app: TestApp | null = null
  let direct: Cluster | null = null
  let baseUrl: string

  async function tearDown() {
    if (app) {
      await bounded(app.close(), 10000, 'closing the app').catch(() => {})
      app = null
    }
    if (direct) {
      await bounded(direct.quit(), 5000, 'quitting the cluster client').catch(() => {
        direct?.disconnect()
      })
      direct = null
    }
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')))
    await remove(dir)
  }

  group.setup(async () => {
    dir = tmpPath('redis-cluster')
    await ensureDir(dir)
    try {
      await startNodes(dir, nodes)
      await formCluster(nodes)

      const clusters = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }))
      app = await setupApp(
        {
          enabled: true,
          driver: 'redis',
          redisConnection: 'cluster',
          cookieName: 'adonis-session',
          age: '2h',
          cookie: {},
        },
        { providers: ['@adonisjs/redis'], redis: { cluster: { clusters } } }
      )
      defineSessionRoutes(app.Route)
      baseUrl = await app.listen()
      direct = new Redis.Cluster(clusters)
    } catch (error) {
      await tearDown()
      throw error
    }
    return tearDown
  })

  async function stored(id: string) {
    const raw = await direct!.get(id)
    return raw ? JSON.parse(raw).message : null
  }

  test('the app talks to the cluster through @adonisjs/redis', async ({ assert }) => {
    const manager = app!.app.container.use('Adonis/Addons/Redis')
    const connection = manager.connection('cluster') as RedisClusterConnectionContract
    await new Browser(baseUrl).post('/put', { ping: 'pong' })
    assert.instanceOf(connection.ioConnection, Cluster)
    assert.lengthOf(connection.nodes('master'), MASTERS)
  })

  test('values put in one request are read by the next', async ({ assert }) => {
    const browser = new Browser(baseUrl)
    await browser.post('/put', { cart: { total: 10 }, user: 'virk' })
    const response = await browser.get('/all')
    assert.equal(response.status, 200, response.text)
    assert.isFalse(response.json.fresh)
    assert.deepEqual(response.json.values, { cart: { total: 10 }, user: 'virk' })
    assert.deepEqual((await browser.get('/get/cart.total')).json, { value: 10 })
    assert.deepEqual(await stored(response.json.id), { cart: { total: 10 }, user: 'virk' })
    assert.closeTo(await direct!.ttl(response.json.id), 7200, 5)
  })

  test('regenerate moves the data to a new id and deletes the old key', async ({ assert }) => {
    const browser = new Browser(baseUrl)
    await browser.post('/put', { user: 'virk' })
    const oldId = (await browser.get('/all')).json.id

    const regenerated = await browser.get('/regenerate')
    assert.equal(regenerated.status, 200, regenerated.text)
    assert.notEqual(regenerated.json.id, oldId)

    const after = await browser.get('/all')
    assert.equal(after.json.id, regenerated.json.id)
    assert.deepEqual(after.json.values, { user: 'virk' })
    assert.isNull(await stored(oldId))
    assert.deepEqual(await stored(after.json.id), { user: 'virk' })
  })

  test('200 concurrent increments from 4 clients count exactly 200', async ({ assert }) => {
    const browser = new Browser(baseUrl)
    const id = (await browser.get('/all')).json.id
    const clients = [1, 2, 3, 4].map(() => browser.clone())
    const responses = await Promise.all(
      clients.flatMap((client) => Array.from({ length: 50 }, () => client.get('/increment/hits')))
    )
    assert.deepEqual(failures(responses), [])
    assert.deepEqual((await browser.get('/get/hits')).json, { value: 200 })
    assert.deepEqual(await stored(id), { hits: 200 })
  }).timeout(50000)

  test('tagged sessions are listed and destroyed with single-slot commands', async ({ assert }) => {
    const sessions = app!.manager.sessions()
    const devices = await Promise.all([1, 2, 3, 4].map(() => signedIn(baseUrl, 'cluster-user')))
    const ids = devices.map((device) => device.id).sort()
    const listed = await sessions.tagged('cluster-user')
    assert.deepEqual(listed.map((session) => session.id).sort(), ids)
    assert.deepEqual((await direct!.smembers('adonis-session:tagged:cluster-user')).sort(), ids)

    const regenerated = (await devices[0].browser.get('/regenerate')).json.id
    assert.equal(await sessions.destroyTagged('cluster-user', { except: regenerated }), 3)
    assert.deepEqual(
      (await sessions.tagged('cluster-user')).map((session) => session.id),
      [regenerated]
    )
    assert.deepEqual((await devices[1].browser.get('/all')).json.values, {})
    assert.deepEqual((await devices[0].browser.get('/all')).json.values, {
      auth_web: 'cluster-user',
    })
  }).timeout(30000)

  test('sessions spread over the masters and each is read back', async ({ assert }) => {
    const browsers = Array.from({ length: 12 }, () => new Browser(baseUrl))
    await Promise.all(browsers.map((browser, index) => browser.post('/put', { index })))

    const slots = new Set<number>()
    const owners = new Set<string>()
    for (const [index, browser] of browsers.entries()) {
      const response = await browser.get('/all')
      assert.deepEqual(response.json.values, { index })
      assert.deepEqual(await stored(response.json.id), { index })

      /**
       * Only the master serving the key's slot holds keys in it
       */
      const slot = Number(await direct!.cluster('KEYSLOT', response.json.id))
      const holders: string[] = []
      for (const node of direct!.nodes('master')) {
        if (Number(await node.cluster('COUNTKEYSINSLOT', slot)) > 0) {
          holders.push(`${node.options.host}:${node.options.port}`)
        }
      }
      assert.lengthOf(holders, 1)
      slots.add(slot)
      owners.add(holders[0])
    }
    assert.isAtLeast(slots.size, 10)
    assert.isAtLeast(owners.size, 2)
  }).timeout(30000)
})
