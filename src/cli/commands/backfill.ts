import { join } from 'node:path'
import { Indexer } from '../../core/indexer.js'
import { silentLogger } from '../../core/logger.js'
import { err, ok } from '../../core/result.js'
import { US_PER_DAY } from '../../core/time.js'
import { SqlStore } from '../../store/sql-store.js'
import { SqliteDriver } from '../../store/sqlite-driver.js'
import { intOption, str, urlOption } from '../args.js'
import { BackfillState } from '../backfill/backfill-state.js'
import { createProgress } from '../backfill/progress.js'
import { pdsSource, relaySource } from '../../backfill/repo-listing.js'
import { runBackfill } from '../backfill/run-backfill.js'
import type { Command } from '../command.js'

export const backfill: Command = {
  path: ['backfill'],
  summary: 'rebuild configs, memberships, moderation actions and recent posts in the index from PDSs',
  usage: 'atrarium backfill (--pds <url> | --relay <url>) [--data-dir <dir>] [--concurrency <n>]',
  help: `  --pds <url>              read every repo this PDS hosts (com.atproto.sync.listRepos)
  --relay <url>            read the repos a relay lists for net.atrarium.* collections
                           (com.atproto.sync.listReposByCollection); each repo is read from its
                           own PDS, found through its DID document
  --data-dir <dir>         the index directory (or ATRARIUM_DATA_DIR; default ./data)
  --concurrency <n>        repos read at once (default 8)
  --limit-repos <n>        debugging: read at most n repos, then stop; the next run resumes

  Then every member's posts of the last 7 days are read from their own PDS (at most 10 requests a
  second to one PDS; a 429 is waited out) and indexed as the stream would have.
  Progress is saved in the index, so an interrupted run resumes; running twice gives the same
  state: what the index holds of a repo read completely and the repo no longer has is deleted.`,
  options: { 'data-dir': { type: 'string' }, relay: { type: 'string' }, concurrency: { type: 'string' }, 'limit-repos': { type: 'string' } },
  args: [0, 0],
  async run({ values, ctx }) {
    const relay = urlOption(values, 'relay')
    if (!relay.ok) return relay
    if ((ctx.pdsUrl === undefined) === (relay.value === undefined)) return err('give exactly one of --pds <url> or --relay <url>')
    const concurrency = intOption(values, 'concurrency', 8, 256)
    if (!concurrency.ok) return concurrency
    const limit = str(values, 'limit-repos') === undefined ? undefined : intOption(values, 'limit-repos', 1)
    if (limit && !limit.ok) return limit

    const dataDir = str(values, 'data-dir') ?? (ctx.env.ATRARIUM_DATA_DIR || './data')
    const driver = new SqliteDriver(join(dataDir, 'atrarium.sqlite'))
    let stop = false
    const onSignal = () => {
      stop = true
    }
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
    try {
      const store = new SqlStore(driver)
      const source = relay.value ? relaySource(relay.value) : pdsSource(ctx.pdsUrl!)
      const result = await runBackfill({
        source,
        state: new BackfillState(driver, source.key),
        indexer: new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY }),
        store,
        identity: ctx.identity,
        progress: createProgress(ctx.stderr, values.json === true),
        concurrency: concurrency.value,
        ...(limit?.ok ? { limitRepos: limit.value } : {}),
        interrupted: () => stop,
      })
      if (!result.ok) return result
      const s = result.value
      const { total, done, failed } = s.repos
      const text = !s.complete && failed.length === 0
        ? `stopped after ${done}/${total} repos (--limit-repos); run again to resume`
        : [
            `backfilled ${done}/${total} repos from ${source.key}: ${s.records.configs} configs, ${s.records.memberships} memberships, ${s.records.actions} actions (${s.rejected} rejected)`,
            `  and ${s.posts.read} posts of the last 7 days by ${s.posts.authors} members`,
            ...failed.map((f) => `  failed ${f.did}: ${f.error}`),
            ...s.posts.failed.map((f) => `  posts failed ${f.did}: ${f.error}`),
            ...(failed.length + s.posts.failed.length > 0 ? ['run again to retry what failed'] : []),
          ].join('\n')
      if (failed.length + s.posts.failed.length > 0) return err(text.replace(/\n/g, '; '))
      return ok({ text, json: { ...s, dataDir } })
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      driver.close()
    }
  },
}
