/*
 * @adonisjs/session
 */

/// <reference path="./session.ts" />
/// <reference path="./context.ts" />
/// <reference path="./container.ts" />
/// <reference path="./tests.ts" />
/// <reference path="./events.ts" />
