/*
 * Minimal core config for the benchmark app: logging at "warn" (silent while the
 * app is healthy) and the profiler off, identically for every variant.
 */
module.exports = {
  appKey: process.env.APP_KEY || 'bench-app-key-0123456789abcdef',
  http: {
    allowMethodSpoofing: false,
    subdomainOffset: 2,
    generateRequestId: false,
    trustProxy: () => false,
    etag: false,
    jsonpCallbackName: 'callback',
    cookie: {
      domain: '',
      path: '/',
      maxAge: '2h',
      httpOnly: true,
      secure: false,
      sameSite: false,
    },
  },
  logger: {
    name: 'session-bench',
    enabled: true,
    level: 'warn',
    prettyPrint: false,
  },
  profiler: {
    enabled: false,
    whitelist: [],
    blacklist: [],
  },
  validator: {},
}
