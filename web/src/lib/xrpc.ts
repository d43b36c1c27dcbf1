import { XrpcError } from '../../../src/api/xrpc-error.js'

// The server's own error class: what a server (ours, a PDS, an AppView) answered, `{ error, message }` and the status.
export { XrpcError }

/** Reads an XRPC response: the JSON body, or an XrpcError carrying the server's own words. */
export async function readXrpc<T>(res: Response, what: string): Promise<T> {
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    body = undefined
  }
  if (res.ok && body !== undefined) return body as T
  const e = (body ?? {}) as { error?: unknown; message?: unknown }
  const error = typeof e.error === 'string' ? e.error : `HTTP ${res.status}`
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : `${what} failed (${error})`
  throw new XrpcError(res.status, error, message)
}

export type Params = Record<string, string | number | string[] | undefined>

export function xrpcUrl(base: string, nsid: string, params: Params = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one))
  }
  const query = q.toString()
  return `${base}/xrpc/${nsid}${query ? `?${query}` : ''}`
}

/** A GET query; network failures become an XrpcError too, so callers show one kind of message. */
export async function xrpcGet<T>(base: string, nsid: string, params: Params = {}, init: RequestInit = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(xrpcUrl(base, nsid, params), init)
  } catch {
    throw new XrpcError(0, 'NetworkError', `could not reach ${base || 'the server'} for ${nsid}`)
  }
  return readXrpc<T>(res, nsid)
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))
