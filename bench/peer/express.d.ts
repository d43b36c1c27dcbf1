// express 4 ships no types and @types/express is not installed (nothing else here imports express):
// the little the starter-kit model uses of it.
declare module 'express' {
  import type { IncomingMessage, Server } from 'node:http'

  namespace e {
    interface Request extends IncomingMessage {}
    interface Application {
      use(handler: unknown): this
      listen(port: number, hostname: string): Server
    }
  }
  function e(): e.Application
  export = e
}
