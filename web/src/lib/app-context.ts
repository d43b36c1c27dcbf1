import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { WebClientConfig } from './config.js'
import type { IdentityResolver } from './identity.js'
import type { Account } from './pds.js'
import type { Auth } from './session.js'

export interface AppState {
  cfg: WebClientConfig
  ids: IdentityResolver
  auth: Auth
  /** The signed-in account, once known; `undefined` while signed out. */
  account?: Account
  signOut(): Promise<void>
}

export const AppContext = createContext<AppState | undefined>(undefined)

export function useApp(): AppState {
  const app = useContext(AppContext)
  if (!app) throw new Error('useApp outside the app')
  return app
}

/** Where sign-in returns to, kept across the redirect to the PDS. */
export const RETURN_TO = 'atrarium:return-to'
