/**
 * Static files from "public/": the demo's stylesheet, favicon and live cart script. Nothing
 * is loaded from another origin, so the demo runs offline.
 */

import { AssetsConfig } from '@ioc:Adonis/Core/Static'

const staticConfig: AssetsConfig = {
  enabled: true,
  dotFiles: 'ignore',
  etag: true,
  lastModified: true,
  maxAge: 0,
  immutable: false,
}

export default staticConfig
