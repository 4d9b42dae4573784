/*
 * @adonisjs/session
 */

import { debuglog } from 'util'

/**
 * Enable with NODE_DEBUG=adonisjs:session
 */
export default debuglog('adonisjs:session')
