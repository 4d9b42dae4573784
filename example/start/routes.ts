/*
|--------------------------------------------------------------------------
| Routes
|--------------------------------------------------------------------------
*/

import Route from '@ioc:Adonis/Core/Route'

Route.on('/').render('pages/home')

Route.get('/cart', 'CartController.show')
Route.post('/cart', 'CartController.add')
Route.post('/cart/clear', 'CartController.clear')

Route.get('/posts', 'PostsController.create')
Route.post('/posts', 'PostsController.store')

Route.get('/login', 'AuthController.create')
Route.post('/login', 'AuthController.store')
Route.post('/logout', 'AuthController.destroy')
Route.get('/account', 'AuthController.account').middleware('auth')
Route.get('/account/devices', 'DevicesController.index').middleware('auth')
Route.post('/account/devices/sign-out-others', 'DevicesController.destroyOthers').middleware('auth')
Route.post('/account/devices/:id/sign-out', 'DevicesController.destroy').middleware('auth')

Route.get('/session', 'SessionController.show')
Route.get('/session.json', 'SessionController.json')
