import { render } from 'preact'
import { App } from './app.js'
import { Auth } from './lib/session.js'
import './styles.css'

// A loopback OAuth client must run on 127.0.0.1 (atproto's rule), so `localhost` moves there first.
const moved = Auth.loopbackRedirect()
if (moved) location.replace(moved)
else render(<App />, document.getElementById('app')!)
