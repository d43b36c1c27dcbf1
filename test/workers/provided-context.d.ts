// What test/support/jetstream-global-setup.ts provides (declared there too, for the Node program).
declare module 'vitest' {
  export interface ProvidedContext {
    jetstreamUrl: string
    jetstreamControlUrl: string
    relayUrl: string
    plcUrl: string
    plcKeys: Record<string, string>
  }
}
export {}
