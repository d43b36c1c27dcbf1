import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { askHidden, type PromptInput } from './prompt.js'

/** A terminal stand-in: keys go in as chunks, and raw mode is recorded rather than set. */
function terminal() {
  const modes: boolean[] = []
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      modes.push(mode)
      this.isRaw = mode
    },
  }) satisfies PromptInput
  let shown = ''
  const output = new PassThrough()
  output.on('data', (d: Buffer) => (shown += d.toString()))
  return { input, output, modes, shown: () => shown }
}

describe('askHidden', () => {
  it.each([
    ['typed then Enter', ['s', 'e', 'c', 'r', 'e', 't', '\r'], { ok: true, value: 'secret' }],
    ['pasted in one chunk', ['abcd-efgh-ijkl-mnop\r'], { ok: true, value: 'abcd-efgh-ijkl-mnop' }],
    ['a newline ends it too', ['pw\n'], { ok: true, value: 'pw' }],
    ['Backspace removes a character', ['pwx', '\u007f', '\b', 'd\r'], { ok: true, value: 'pd' }],
    ['Backspace removes a whole code point', ['p😀', '\u007f', '\r'], { ok: true, value: 'p' }],
    ['Ctrl-U clears the line', ['wrong', '\u0015', 'right\r'], { ok: true, value: 'right' }],
    ['arrow keys are ignored', ['a', '\u001b[D', 'b\r'], { ok: true, value: 'ab' }],
    ['other control keys are ignored', ['a\u0001\tb\r'], { ok: true, value: 'ab' }],
    ['Ctrl-D with text is ignored', ['a\u0004b\r'], { ok: true, value: 'ab' }],
    ['Ctrl-C cancels', ['abc\u0003'], { ok: false, error: 'sign-in cancelled' }],
    ['Ctrl-D on an empty line cancels', ['\u0004'], { ok: false, error: 'sign-in cancelled' }],
    ['Enter alone gives an empty password', ['\r'], { ok: true, value: '' }],
  ])('%s', async (_name, keys, expected) => {
    const t = terminal()
    const answer = askHidden('App password for alice.test: ', t.input, t.output)
    for (const k of keys) t.input.write(k)
    expect(await answer).toEqual(expected)
    // Nothing typed is shown, and the terminal is back in the mode it was in.
    expect(t.shown()).toBe('App password for alice.test: \n')
    expect(t.modes).toEqual([true, false])
    expect(t.input.listenerCount('data')).toBe(0)
  })

  it('fails when the input ends before Enter', async () => {
    const t = terminal()
    const answer = askHidden('? ', t.input, t.output)
    t.input.end('half')
    expect(await answer).toEqual({ ok: false, error: 'sign-in cancelled: input ended before the password' })
  })
})
