/**
 * autocannon cycling through a list of requests (bench/load-tool.ts's fallback when wrk is absent):
 *   node bench/autocannon-cycle.mjs <origin> <connections> <seconds> <requests.tsv>
 * Each line of the file is `path<TAB>authorization`. autocannon's `requests` sequence restarts per
 * connection, so 50 connections would send the same first requests 50 times; one `setupRequest`
 * with a counter shared by all connections sends the list in order instead. Prints autocannon's
 * result as JSON (the shape of its CLI's `-j`).
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

const [origin, connections, seconds, file] = process.argv.slice(2)
if (!origin || !connections || !seconds || !file) throw new Error('usage: autocannon-cycle.mjs <origin> <connections> <seconds> <requests.tsv>')
const list = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
  const [path = '/', authorization = ''] = line.split('\t')
  return { path, authorization }
})
let next = 0
const result = await autocannon({
  url: origin,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [{
    setupRequest(req) {
      const r = list[next++ % list.length]
      const headers = { ...req.headers }
      if (r.authorization) headers.authorization = r.authorization
      return { ...req, path: r.path, headers }
    },
  }],
})
process.stdout.write(JSON.stringify(result))
