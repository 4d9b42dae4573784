/*
 * @adonisjs/session
 *
 * A minimal browser for the tests: real HTTP requests with node's fetch and
 * a cookie jar that follows Set-Cookie as browsers do.
 */

export type SetCookie = {
  name: string
  value: string
  attributes: Record<string, string | true>
  raw: string
}

export type BrowserResponse = {
  status: number
  text: string
  json: any
  headers: Headers
  setCookies: SetCookie[]
}

/**
 * Parse one Set-Cookie header
 */
export function parseSetCookie(raw: string): SetCookie {
  const [pair, ...parts] = raw.split(';')
  const index = pair.indexOf('=')
  const attributes: Record<string, string | true> = {}
  for (const part of parts) {
    const [key, ...rest] = part.trim().split('=')
    attributes[key.toLowerCase()] = rest.length ? rest.join('=') : true
  }
  return {
    name: pair.slice(0, index).trim(),
    value: decodeURIComponent(pair.slice(index + 1).trim()),
    attributes,
    raw,
  }
}

export class Browser {
  /**
   * Cookies by name, as the browser would send them
   */
  public cookies: Map<string, string> = new Map()

  constructor(public baseUrl: string) {}

  public get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, undefined, headers)
  }

  /**
   * A POST with a JSON body, or a form body when given URLSearchParams
   */
  public post(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request('POST', path, body, headers)
  }

  /**
   * Post an HTML form: fields urlencoded with brackets for nested values
   * (`user[email]`, `users[0][name]`), as browsers send named inputs
   */
  public postForm(path: string, fields: Record<string, any>, headers: Record<string, string> = {}) {
    return this.request('POST', path, new URLSearchParams(formPairs(fields, '')).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    })
  }

  /**
   * A browser holding the same cookies, e.g. a second tab
   */
  public clone(): Browser {
    const copy = new Browser(this.baseUrl)
    copy.cookies = new Map(this.cookies)
    return copy
  }

  public cookieHeader() {
    return [...this.cookies]
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join('; ')
  }

  public async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<BrowserResponse> {
    const init: RequestInit = { method, headers: { ...headers }, redirect: 'manual' }
    if (this.cookies.size && !headers.cookie) {
      ;(init.headers as Record<string, string>).cookie = this.cookieHeader()
    }
    if (typeof body === 'string' || body instanceof URLSearchParams) {
      init.body = body
    } else if (body !== undefined) {
      ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }

    const response = await fetch(`${this.baseUrl}${path}`, init)
    const text = await response.text()
    const setCookies = response.headers.getSetCookie().map(parseSetCookie)
    for (const cookie of setCookies) {
      const maxAge = cookie.attributes['max-age']
      const expires = cookie.attributes['expires']
      const expired =
        (typeof maxAge === 'string' && Number(maxAge) <= 0) ||
        (typeof expires === 'string' && new Date(expires).getTime() <= Date.now())
      if (expired) {
        this.cookies.delete(cookie.name)
      } else {
        this.cookies.set(cookie.name, cookie.value)
      }
    }

    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, text, json, headers: response.headers, setCookies }
  }
}

/**
 * `[name, value]` pairs of nested form fields, in bracket notation
 */
function formPairs(value: any, prefix: string): [string, string][] {
  if (value === null || typeof value !== 'object') {
    return [[prefix, String(value)]]
  }
  return Object.entries(value).flatMap(([key, item]) =>
    formPairs(item, prefix ? `${prefix}[${key}]` : key)
  )
}

/**
 * The error message of a failed response: the JSON `message`, or the first
 * line of the stack the framework sends while NODE_ENV is test
 */
export function errorMessage(response: BrowserResponse): string {
  if (response.json && typeof response.json.message === 'string') {
    return response.json.message
  }
  const firstLine = response.text.split('\n')[0]
  return firstLine.replace(/^[A-Za-z]*(Exception|Error): /, '')
}

/**
 * The bodies of the responses that were not 200, to assert there are none
 */
export function failures(responses: BrowserResponse[]): string[] {
  return responses.filter((response) => response.status !== 200).map((response) => response.text)
}

/**
 * A new browser whose session holds `values` (put over HTTP); resolves with
 * the browser and the session id
 */
export async function startSession(url: string, values: Record<string, any>) {
  const browser = new Browser(url)
  await browser.post('/put', values)
  const id = (await browser.get('/all')).json.id as string
  return { browser, id }
}
