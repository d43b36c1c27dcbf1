import { describe, expect, it } from 'vitest'
import { exec } from 'preact-iso/router'
import { communityPath, configUriFrom, isOwnPath, shortCommunityPath } from './routes.js'

describe('community paths survive the router', () => {
  it.each([
    ['at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/net.atrarium.community.config/3kabcdefghij2', '/community/did:plc:ewvi7nxzyoun6zhxrhs64oiz/3kabcdefghij2'],
    ['at://did:web:localhost%3A2583/net.atrarium.community.config/self', '/community/did:web:localhost%253A2583/self'],
    ['at://did:web:example.com/net.atrarium.community.config/a~b.c_d-e', '/community/did:web:example.com/a~b.c_d-e'],
  ])('%s ↔ %s', (uri, path) => {
    expect(communityPath(uri)).toBe(path)
    const m = exec(path, '/community/:did/:rkey')
    expect(configUriFrom(m.params.did!, m.params.rkey!)).toBe(uri)
  })

  it('the short path of a did:web owner keeps its escaped port', () => {
    expect(exec(shortCommunityPath('did:web:localhost%3A2583', '0123abcd'), '/c/:owner/:id').params).toEqual({ owner: 'did:web:localhost%3A2583', id: '0123abcd' })
  })
})

describe('isOwnPath: where sign-in may return to', () => {
  it.each<[string, boolean]>([
    ['/', true], ['/community/did:plc:x/y', true], ['/c/alice.test/0123abcd?x=1', true],
    ['//evil.example/', false], ['/\\evil.example', false], ['https://evil.example/', false], ['javascript:alert(1)', false], ['', false],
  ])('%j → %s', (path, own) => expect(isOwnPath(path, 'http://127.0.0.1:3000')).toBe(own))
})
