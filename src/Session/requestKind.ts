/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { RequestContract } from '@ioc:Adonis/Core/Request'

/**
 * True for a request the browser sends ahead of a navigation (Speculation
 * Rules, `<link rel=prefetch>`): `Sec-Purpose: prefetch` (also
 * `prefetch;prerender`) or the older `Purpose: prefetch`
 */
export function isPrefetch(request: RequestContract): boolean {
  return (
    purposeIsPrefetch(request.header('sec-purpose')) || purposeIsPrefetch(request.header('purpose'))
  )
}

/**
 * True when the request's Accept header prefers JSON to HTML, as the
 * validator's negotiation does: an API call, not a page the user sees
 */
export function prefersJson(request: RequestContract): boolean {
  const accept = request.header('accept')
  if (!accept || !accept.includes('json')) {
    return false
  }
  return request.accepts(['html', 'json']) === 'json'
}

function purposeIsPrefetch(value: string | undefined): boolean {
  if (!value) {
    return false
  }
  return value.split(/[;,]/).some((token) => token.trim().toLowerCase() === 'prefetch')
}
