import { err, ok, type Result } from '../core/result.js'

// Loopback names a local dev PDS runs on; other 127.x addresses are refused too, judged by name alone.
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether a password may be sent to `pds`: https anywhere, plain http only to this machine. */
export function checkCredentialUrl(pds: string): Result<string> {
  let url: URL
  try {
    url = new URL(pds)
  } catch {
    return err(`the PDS URL ${pds} is not a URL`)
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) return ok(pds)
  return err(`refusing to send the app password to ${pds}: the PDS must use https (plain http only for localhost, 127.0.0.1 or [::1])`)
}
