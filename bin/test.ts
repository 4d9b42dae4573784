/*
 * @adonisjs/session
 *
 * Runs the specs with Japa. Ends with a plain `N passed, N failed` line;
 * TEST_SUMMARY_FILE, when set, receives the same counts as JSON.
 */

import 'reflect-metadata'
import { writeFileSync } from 'fs'
import { assert } from '@japa/assert'
import { specReporter } from '@japa/spec-reporter'
import { processCliArgs, configure, run } from '@japa/runner'

function summaryLine(runner: any, emitter: any) {
  emitter.on('runner:end', () => {
    const summary = runner.getSummary()
    const passed = summary.aggregates.passed
    const failed = summary.aggregates.failed + summary.aggregates.regression
    if (process.env.TEST_SUMMARY_FILE) {
      writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ passed, failed }))
    }
    process.once('exit', () => process.stdout.write(`\n${passed} passed, ${failed} failed\n`))
  })
}

configure({
  ...processCliArgs(process.argv.slice(2)),
  ...{
    files: ['test/**/*.spec.ts'],
    plugins: [assert()],
    reporters: [specReporter(), summaryLine],
    importer: (filePath: string) => import(filePath),
    timeout: 30000,
  },
})

run()
