// What every benchmark needs to leave the machine as it found it: cleanup steps run once,
// in reverse order, on success, failure and SIGINT/SIGTERM/SIGHUP; and an error type for
// "this benchmark cannot run here" (reported, exit 1) as opposed to a missed target (exit 0).

/** Steps pushed by the benchmark (kill a daemon, remove a directory); run last first. */
export const cleanups = []
/** The signal that interrupted the run, if any (a child's death by signal may set it too). */
export const interruption = { signal: undefined }

let cleaning
export function cleanup() {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step()
      } catch (error) {
        console.error(`cleanup: ${error.message}`)
      }
    }
  })()
  return cleaning
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, async () => {
    interruption.signal = signal
    console.error(`${signal}: cleaning up`)
    await cleanup()
    process.exit(code)
  })
}

export class CannotRun extends Error {}

export function fail(message) {
  throw new CannotRun(message)
}
