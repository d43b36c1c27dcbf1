// `npm start` and `npm run demo` on a checkout without a web build (npm ci makes one): build it.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
if (!existsSync(`${root}web/dist/index.html`)) {
  console.error('web app not built yet: building it (npm run build)…')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
}
