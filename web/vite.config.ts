import { readFileSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { PAGE_HEADERS } from '../src/core/web/security-headers.js'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * After a build, measures what the first page costs: the gzipped JS that index.html loads
 * (its entry and the chunks it preloads), written to dist/bundle-size.json and printed.
 */
function firstPageSize(): Plugin {
  let outDir = ''
  return {
    name: 'atrarium-first-page-size',
    apply: 'build',
    configResolved: (c) => void (outDir = resolve(c.root, c.build.outDir)),
    closeBundle() {
      const html = readFileSync(`${outDir}/index.html`, 'utf8')
      const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
      const files = scripts.map((f) => ({ file: f, gzip: gzipSync(readFileSync(`${outDir}/${f}`)).length }))
      const total = files.reduce((n, f) => n + f.gzip, 0)
      writeFileSync(`${outDir}/bundle-size.json`, `${JSON.stringify({ firstPageJsGzipBytes: total, files }, null, 2)}\n`)
      console.log(`first page JS: ${(total / 1024).toFixed(1)} KiB gzipped (${files.length} files)`)
      // Workers static assets read `_headers`; the Node host sets the same headers itself.
      const headers = Object.entries(PAGE_HEADERS).map(([k, v]) => `  ${k}: ${v}`).join('\n')
      writeFileSync(`${outDir}/_headers`, `/*\n${headers}\n`)
    },
  }
}

export default defineConfig({
  root,
  // Preact's automatic JSX runtime: no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1000 },
  plugins: [firstPageSize()],
})
