/** One line from whatever an XRPC call or a resolver threw. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
    return `${e.message || e.name}${cause}`.split('\n')[0]!
  }
  return String(e)
}

/** XRPC errors carry the server's error name (e.g. `RecordNotFound`); other errors do not. */
export function xrpcErrorName(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'error' in e && typeof e.error === 'string') return e.error
  return undefined
}
