/*
|--------------------------------------------------------------------------
| HTTP server
|--------------------------------------------------------------------------
|
| Boots the application and starts the HTTP server. App specific code lives
| in providers and preload files, never here.
|
*/

import 'reflect-metadata'
import sourceMapSupport from 'source-map-support'
import { Ignitor } from '@adonisjs/core/build/standalone'

sourceMapSupport.install({ handleUncaughtExceptions: false })

new Ignitor(__dirname).httpServer().start()
