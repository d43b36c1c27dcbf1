// A worker thread that checkpoints the index's SQLite WAL from a connection of its own. A
// checkpoint copies every page written since the last one into the database file (tens of MB and
// a few hundred ms after a busy minute); run on the main connection it would stall the event loop
// that serves feeds. PASSIVE never waits for, nor blocks, readers and writers.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const db = new Database(workerData.file, { fileMustExist: true })
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')
const timer = setInterval(checkpoint, workerData.intervalMs)

parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.close()
})
