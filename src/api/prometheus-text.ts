/** One metric family of the Prometheus text format (version 0.0.4). */
export interface MetricFamily {
  name: string
  help: string
  type: 'counter' | 'gauge'
  samples: { labels?: Record<string, string>; value: number }[]
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
const escapeLabel = (s: string) => escapeHelp(s).replace(/"/g, '\\"')
// The format spells the special values this way; JavaScript's String() would not.
const valueText = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v))

/**
 * The exposition of a host without prom-client (Workers): the few families it can report, written
 * as the Node host's registry writes them, so one dashboard reads both.
 */
export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      lines.push(`${f.name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${valueText(s.value)}`)
    }
  }
  return `${lines.join('\n')}\n`
}
