/** What one listing page may weigh: 100 records, each far under the PDS's own record size limit. */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024
/** How long one request to a PDS or relay may take before it counts as failed. */
export const REQUEST_TIMEOUT_MS = 30_000

/**
 * A response's JSON, read up to `maxBytes`: a PDS or a relay is anyone's server, and its answer
 * may be any size. Over the cap the body is cancelled and an error thrown.
 */
export async function boundedJson(res: Pick<Response, 'body'>, maxBytes = MAX_PAGE_BYTES): Promise<unknown> {
  if (!res.body) return JSON.parse('null')
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new Error(`the answer is over ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const c of chunks) (bytes.set(c, at), (at += c.byteLength))
  return JSON.parse(new TextDecoder().decode(bytes))
}
