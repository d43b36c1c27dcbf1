import { inject } from 'vitest'

/** Client for the fake Jetstream's control endpoint (see test/support/jetstream-global-setup.ts). */
export interface ServerConnection {
  url: string
  cursor: number | null
}

const base = (): string => inject('jetstreamControlUrl')

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Sends frames to every connected client; each is kept for replay from a cursor at or before `timeUs`. */
export const publish = (frames: { raw: string; timeUs: number }[]) =>
  call<{ published: number; clients: number }>('POST', '/publish', { frames })

/** Every connection the server has accepted since the run began, oldest first. */
export const connections = () => call<ServerConnection[]>('GET', '/connections')

/** Terminates every client connection from the server side. */
export const dropClients = () => call<{ dropped: number }>('POST', '/drop')
