/**
 * A strict reader of the Prometheus text format (0.0.4), for tests: it throws on any line a
 * Prometheus server would refuse (a bad name, label or value, a sample before its family's TYPE,
 * a series twice), so a test that parses a scrape also proves the scrape well-formed.
 */
export interface ParsedMetrics {
  types: Map<string, string>
  /** Value by series, written `name` or `name{a="x",b="y"}` with labels sorted by name. */
  series: Map<string, number>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: [''], gauge: [''], untyped: [''] }

export function parsePrometheusText(text: string): ParsedMetrics {
  const types = new Map<string, string>()
  const series = new Map<string, number>()
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline')
  for (const [i, line] of text.split('\n').entries()) {
    const fail = (why: string) => new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`)
    if (line === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (!m) continue // any other comment
      if (!NAME.test(m[2]!)) throw fail('bad metric name')
      if (m[1] === 'TYPE') {
        if (!(m[3]! in SUFFIXES)) throw fail('unknown type')
        if (types.has(m[2]!)) throw fail('TYPE given twice')
        types.set(m[2]!, m[3]!)
      }
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line)
    if (!m) throw fail('not a sample')
    const [, name, rawLabels, rawValue] = m
    const family = [...types.keys()].find((f) => SUFFIXES[types.get(f)!]!.some((s) => name === f + s))
    if (!family) throw fail('sample before its TYPE')
    const labels: [string, string][] = []
    if (rawLabels) {
      const body = rawLabels.slice(1, -1)
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < body.length) {
        const l = LABEL.exec(body)
        if (!l) throw fail('bad label')
        labels.push([l[1]!, l[2]!])
      }
      if (new Set(labels.map(([k]) => k)).size !== labels.length) throw fail('label given twice')
    }
    // Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes "Nan").
    if (!/^(nan|[+-]?inf|[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)$/i.test(rawValue!)) throw fail('bad value')
    const special = rawValue!.toLowerCase().replace(/^\+/, '')
    const value = special === 'nan' ? NaN : special === 'inf' ? Infinity : special === '-inf' ? -Infinity : Number(rawValue)
    labels.sort(([a], [b]) => (a < b ? -1 : 1))
    const key = labels.length > 0 ? `${name}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}` : name!
    if (series.has(key)) throw fail('series given twice')
    series.set(key, value)
  }
  return { types, series }
}
