/**
 * The shared validators (src/core/record-validation.ts, src/records/*) speak in messages such as
 * `net.atrarium.community.config: name must not be longer than 100 graphemes`; this finds the field
 * a message is about, so the form can show it in the right place.
 */
export function fieldOf(message: string, fields: readonly string[]): string | undefined {
  const body = message.replace(/^[a-z0-9.]+: /i, '')
  const head = body.split(/[\s/]/)[0] ?? ''
  return fields.find((f) => f === head) ?? fields.find((f) => body.includes(f))
}
