/**
 * Shield settings. CSRF protection is what this demo relies on: every form
 * renders `{{ csrfField() }}` and a POST without the token is refused with
 * the "errors/unauthorized" page (HTTP 403).
 */

import type { ShieldConfig } from '@ioc:Adonis/Addons/Shield'

export const csp: ShieldConfig['csp'] = {
  enabled: false,
  directives: {},
  reportOnly: false,
}

export const csrf: ShieldConfig['csrf'] = {
  enabled: true,
  exceptRoutes: [],
  enableXsrfCookie: true,
  methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
}

export const dnsPrefetch: ShieldConfig['dnsPrefetch'] = {
  enabled: true,
  allow: true,
}

export const xFrame: ShieldConfig['xFrame'] = {
  enabled: true,
  action: 'DENY',
}

export const hsts: ShieldConfig['hsts'] = {
  enabled: false,
  maxAge: '180 days',
  includeSubDomains: true,
  preload: false,
}

export const contentTypeSniffing: ShieldConfig['contentTypeSniffing'] = {
  enabled: true,
}
