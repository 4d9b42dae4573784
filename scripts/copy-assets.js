/*
 * Copies the files tsc does not emit into build/
 */
const { copySync } = require('fs-extra')
const { join } = require('path')

const root = join(__dirname, '..')
copySync(join(root, 'templates'), join(root, 'build', 'templates'))
