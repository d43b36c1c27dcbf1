import type { CommitVerdict } from '../core/commit-verifier.js'
import type { RepoEvent } from '../core/events.js'
import type { Result } from '../core/result.js'

/** What a source wants done about a control frame (firehose `#info` and error frames). */
export interface StreamControl {
  /** continue: log and read on; reconnect: from the saved cursor; live: forget the cursor, then reconnect. */
  action: 'continue' | 'reconnect' | 'live'
  reason: string
  message?: string
}

/** Stage 1's verdict on one raw frame. */
export type Stage1 = { pass: boolean; postAuthor?: string } | { control: StreamControl }

/** Stage 2's result: the frame's events, and problems with single ops that did not spoil the rest. */
export interface Decoded {
  events: RepoEvent[]
  problems?: string[]
}

/**
 * The few things that differ between streams (Jetstream, `subscribeRepos`); everything else, from
 * reconnects to the cursor transaction, is the one StreamIngest pipeline.
 */
export interface StreamSource<Raw> {
  /** Log prefix, e.g. `jetstream`. */
  readonly name: string
  /** Key of the saved cursor: distinct per host wherever cursors are host-specific. */
  readonly key: string
  readonly maxMessageBytes: number
  /** The subscribe URL that resumes after `cursor` (undefined: live tail). */
  url(cursor: number | undefined): string
  /** The socket's bytes as the raw frame stage 1 reads. */
  fromWire(data: Uint8Array): Raw
  /** The frame's resume position, without parsing it; undefined for frames without one. */
  cursorOf(raw: Raw): number | undefined
  /** Stage 1: cheap tests on the raw frame; `postAuthor` is set when a passing frame touches posts. */
  stage1(raw: Raw, hasIndexedAuthor: (did: string) => boolean): Stage1
  /** Stage 2: strict decode of a frame that passed stage 1. */
  decode(raw: Raw): Result<Decoded>
  /** A short, safe excerpt of the frame for logs. */
  preview(raw: Raw): string
}

/**
 * An async check between stage 1 and stage 2 (the firehose's commit verification): a verdict per
 * frame, in frame order. A rejected frame is finished (its cursor counts) but nothing of it is indexed.
 */
export interface FrameVerifier<Raw> {
  verifyAll(frames: readonly Raw[]): Promise<CommitVerdict[]>
}
