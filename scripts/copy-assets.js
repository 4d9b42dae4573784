/*
 * Copies the files tsc does not emit into build/
 */
const { copySync, existsSync } = require('fs-extra')
const { join } = require('path')

const root = join(__dirname, '..')
copySync(join(root, 'templates'), join(root, 'build', 'templates'))
if (existsSync(join(root, 'instructions.md'))) {
  copySync(join(root, 'instructions.md'), join(root, 'build', 'instructions.md'))
}
