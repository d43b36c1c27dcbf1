import type { WebClientConfig } from '../../../src/core/web/client-config.js'

export type { WebClientConfig }

/** The deployment's settings, from the host that served this page. */
export async function loadAppConfig(): Promise<WebClientConfig> {
  const res = await fetch('/app-config.json')
  if (!res.ok) throw new Error(`the server did not send its settings (/app-config.json: HTTP ${res.status})`)
  return (await res.json()) as WebClientConfig
}
