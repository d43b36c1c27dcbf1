import { err, ok, type Result } from '../core/result.js'

/** Where a secret is asked for: process.stdin, or a test's stand-in. */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean
  isRaw?: boolean
  setRawMode?: (mode: boolean) => unknown
}

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'
const ESC = '\u001b'
const BACKSPACE = new Set(['\u007f', '\b'])

/**
 * Asks for a secret without echoing it. Raw mode turns the terminal's own echo off and hands over
 * each key as typed, so line editing is ours: Enter ends, Backspace and Ctrl-U edit, Ctrl-C and
 * Ctrl-D cancel (raw mode sends no SIGINT), and escape sequences such as arrow keys are ignored.
 */
export function askHidden(question: string, input: PromptInput, output: NodeJS.WritableStream): Promise<Result<string>> {
  return new Promise((resolve) => {
    const wasRaw = input.isRaw === true
    let secret: string[] = []
    const finish = (result: Result<string>) => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.setRawMode?.(wasRaw)
      input.pause()
      output.write('\n')
      resolve(result)
    }
    const onData = (chunk: string | Buffer) => {
      const text = chunk.toString()
      if (text.startsWith(ESC)) return
      // By code point, so Backspace removes a whole character.
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return finish(ok(secret.join('')))
        if (ch === CTRL_C || (ch === CTRL_D && secret.length === 0)) return finish(err('sign-in cancelled'))
        if (BACKSPACE.has(ch)) secret.pop()
        else if (ch === CTRL_U) secret = []
        else if (ch >= ' ') secret.push(ch)
      }
    }
    const onEnd = () => finish(err('sign-in cancelled: input ended before the password'))
    input.setRawMode?.(true)
    input.setEncoding('utf8')
    output.write(question)
    input.on('data', onData)
    input.on('end', onEnd)
    input.resume()
  })
}
