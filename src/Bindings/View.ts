/*
 * @adonisjs/session
 *
 * Edge helpers for forms: the `old()` global and the `@flashMessage`,
 * `@error` and `@inputError` tags, reading the v5 validator's flashed shape
 * (`errors: { field: ['message', ...] }`)
 */

import { isPlainObject } from '../Store'
import { InvalidSessionTagException } from '../errors'

/**
 * The part of a flash message bag the helpers read
 */
type FlashBag = { get(key: string, defaultValue?: any): any; has(key: string): boolean }

/**
 * The parts of Edge's parser and tokens a tag uses (Edge is an optional
 * peer: its types are not imported)
 */
type EdgeParser = {
  utils: {
    generateAST(source: string, loc: any, filename: string): { expression: any }
    transformAst(expression: any, filename: string, parser: EdgeParser): any
    stringify(expression: any): string
  }
  stack: {
    defineScope(): void
    defineVariable(name: string): void
    clearScope(): void
  }
  processToken(token: any, buffer: EdgeBuffer): void
}
type EdgeBuffer = { writeStatement(statement: string, filename: string, line: number): void }
type EdgeToken = {
  properties: { jsArg: string }
  loc: { start: { line: number } }
  filename: string
  children: any[]
}

/**
 * An Edge tag definition, as `View.registerTag` takes it
 */
export type SessionEdgeTag = {
  tagName: string
  block: boolean
  seekable: boolean
  compile(parser: EdgeParser, buffer: EdgeBuffer, token: EdgeToken): void
  boot(template: { macro(name: string, value: any): void }): void
}

/**
 * The part of the View binding the helpers need
 */
type ViewBinding = {
  global(name: string, value: any): unknown
  registerTag(tag: SessionEdgeTag): unknown
}

type Lookup = 'flashMessage' | 'error' | 'inputError'

/**
 * Name of the template macro the compiled tags call
 */
const MACRO = 'sessionFlashLookup'

/**
 * The flashed value of a form field (dot paths for nested fields), or
 * `defaultValue`
 */
export function oldInput(flashMessages: FlashBag | undefined, field: string, defaultValue?: any) {
  return flashMessages ? flashMessages.get(field, defaultValue) : defaultValue
}

/**
 * The error messages flashed for a field, or undefined. The v5 validator
 * flashes `errors` keyed by the field's pointer (`user.email` is a key, not
 * a path); hand-written flashes may nest objects or give one string.
 */
export function fieldErrors(flashMessages: FlashBag, field: string): string[] | undefined {
  const errors = flashMessages.get('errors')
  const value =
    isPlainObject(errors) && Object.prototype.hasOwnProperty.call(errors, field)
      ? errors[field]
      : flashMessages.get(`errors.${field}`)
  if (typeof value === 'string') {
    return [value]
  }
  return Array.isArray(value) && value.length ? value : undefined
}

/**
 * What a tag's variable holds for `key`, undefined when the block is skipped
 */
function lookup(flashMessages: FlashBag | undefined, kind: Lookup, key: string): any {
  if (!flashMessages || typeof key !== 'string') {
    return undefined
  }
  if (kind === 'flashMessage') {
    return flashMessages.has(key) ? flashMessages.get(key) : undefined
  }
  const messages = fieldErrors(flashMessages, key)
  return kind === 'error' ? messages?.[0] : messages
}

/**
 * The JS source of an identifier as the template resolves it (a template
 * variable, else the state)
 */
function resolvedIdentifier(parser: EdgeParser, name: string, token: EdgeToken): string {
  const { expression } = parser.utils.generateAST(name, token.loc, token.filename)
  return parser.utils.stringify(parser.utils.transformAst(expression, token.filename, parser))
}

/**
 * The tag's one argument, compiled
 */
function argument(parser: EdgeParser, token: EdgeToken, tagName: string): string {
  const { expression } = parser.utils.generateAST(token.properties.jsArg, token.loc, token.filename)
  if (expression.type === 'SequenceExpression') {
    throw InvalidSessionTagException.oneArgument(tagName, token.filename, token.loc.start.line)
  }
  return parser.utils.stringify(parser.utils.transformAst(expression, token.filename, parser))
}

function isElseTag(token: any): boolean {
  return token && token.type === 'tag' && token.properties && token.properties.name === 'else'
}

/**
 * A block tag that renders its body with `variable` set when the lookup
 * finds something, and its `@else` branch otherwise
 */
function flashTag(tagName: string, kind: Lookup, variable: string): SessionEdgeTag {
  return {
    tagName,
    block: true,
    seekable: true,
    compile(parser, buffer, token) {
      const call = `template.${MACRO}(${resolvedIdentifier(
        parser,
        'flashMessages',
        token
      )}, '${kind}', ${argument(parser, token, tagName)})`
      const elseIndex = token.children.findIndex(isElseTag)
      const elseChildren = elseIndex > -1 ? token.children.splice(elseIndex) : []
      const line = token.loc.start.line

      buffer.writeStatement(`if (${call} !== undefined) {`, token.filename, line)
      buffer.writeStatement(`let ${variable} = ${call};`, token.filename, line)
      parser.stack.defineScope()
      parser.stack.defineVariable(variable)
      token.children.forEach((child) => parser.processToken(child, buffer))
      parser.stack.clearScope()
      elseChildren.forEach((child) => parser.processToken(child, buffer))
      buffer.writeStatement('}', token.filename, -1)
    },
    boot(template) {
      template.macro(MACRO, lookup)
    },
  }
}

/**
 * The tags, for apps that register them on another Edge instance
 */
export const sessionTags: SessionEdgeTag[] = [
  flashTag('flashMessage', 'flashMessage', '$message'),
  flashTag('error', 'error', '$message'),
  flashTag('inputError', 'inputError', '$messages'),
]

/**
 * Registers the tags and an `old()` global on the View binding. The global
 * serves renders outside an HTTP request (the default); each request
 * shares its own `old()` with the session's flash messages.
 */
export function defineViewBindings(View: ViewBinding) {
  View.global('old', function old(_field: string, defaultValue?: any) {
    return defaultValue
  })
  sessionTags.forEach((tag) => View.registerTag(tag))
}
