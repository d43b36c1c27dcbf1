import { useApp } from '../lib/app-context.js'
import { useHandle } from '../lib/use-async.js'

/** An account as people know it: @handle when it checks out, else the DID. */
export function Handle({ did }: { did: string }) {
  const { ids } = useApp()
  const handle = useHandle((d) => ids.handleOf(d), did)
  return <span class="handle" title={did}>{handle ? `@${handle}` : did}</span>
}
