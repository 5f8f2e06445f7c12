/**
 * libvirt's domain events, from one `virsh event --all --loop --timestamp` process,
 * parsed into typed events. Waiting for a VM to stop means waiting for its "Stopped"
 * event, never a sleep loop.
 */
import { ExitCode } from '../errors/exit-codes.js'
import { HvError } from '../errors/hv-error.js'
import { type LineStream, streamLines } from '../exec.js'
import { libvirtError } from './virsh.js'

export interface DomainEvent {
  /** When libvirt reported it (virsh --timestamp). */
  time: string | undefined
  /** 'lifecycle', 'reboot', 'metadata-change', 'agent-lifecycle', ... */
  kind: string
  domain: string
  /** For lifecycle events: Started, Stopped, Suspended, Resumed, Defined, Undefined, Shutdown, Crashed, PMSuspended. */
  state: string | undefined
  /** For lifecycle events: why (Booted, Shutdown, Destroyed, Failed, Snapshot, ...). */
  reason: string | undefined
  detail: string
}

// 2026-11-25 21:24:26.344+0000: event 'lifecycle' for domain 'web': Stopped Shutdown
const EVENT_LINE = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}): )?event '([\w-]+)' for domain '(.*?)'(?:: (.*))?$/

/** One line of `virsh event --timestamp` output, or undefined for anything else. */
export function parseEventLine(line: string): DomainEvent | undefined {
  const match = EVENT_LINE.exec(line.trim())
  if (!match) return undefined
  const [, time, kind = '', domain = '', detail = ''] = match
  const words = detail.split(' ')
  const lifecycle = kind === 'lifecycle'
  return {
    time,
    kind,
    domain,
    state: lifecycle ? words[0] : undefined,
    reason: lifecycle ? words.slice(1).join(' ') || undefined : undefined,
    detail,
  }
}

interface Waiter {
  matches: (event: DomainEvent) => boolean
  resolve: (event: DomainEvent) => void
}

/** An open subscription to every domain event of a connection. */
export class DomainEventStream {
  private readonly waiters = new Set<Waiter>()
  private readonly stream: LineStream
  readonly received: DomainEvent[] = []

  private constructor(private readonly uri: string) {
    this.stream = streamLines('virsh', ['-c', uri, 'event', '--all', '--loop', '--timestamp'], (line) => this.onLine(line))
  }

  static open(uri: string): DomainEventStream {
    return new DomainEventStream(uri)
  }

  private onLine(line: string): void {
    const event = parseEventLine(line)
    if (!event) return
    this.received.push(event)
    for (const waiter of this.waiters) {
      if (waiter.matches(event)) {
        this.waiters.delete(waiter)
        waiter.resolve(event)
      }
    }
  }

  /**
   * The first event (from now on) that `matches`; a TIMEOUT error after `timeoutMs`, a
   * libvirt error when the stream ends (the connection was refused or lost).
   */
  waitFor(matches: (event: DomainEvent) => boolean, timeoutMs: number, waitingFor: string): Promise<DomainEvent> {
    return new Promise<DomainEvent>((resolve, reject) => {
      const waiter: Waiter = { matches, resolve: (event) => finish(() => resolve(event)) }
      const timer = setTimeout(
        () => finish(() => reject(new HvError('TIMEOUT', `gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${waitingFor}`, { exitCode: ExitCode.TIMEOUT }))),
        timeoutMs,
      )
      const finish = (settle: () => void) => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
        settle()
      }
      this.waiters.add(waiter)
      void this.stream.exited.then(() =>
        finish(() => reject(libvirtError(this.uri, this.stream.stderr() || `the libvirt event stream ended while waiting for ${waitingFor}`))),
      )
    })
  }

  close(): void {
    this.stream.close()
  }
}

/** A lifecycle event of `domain` whose state is one of `states`. */
export function lifecycleOf(domain: string, ...states: string[]): (event: DomainEvent) => boolean {
  return (event) => event.kind === 'lifecycle' && event.domain === domain && states.includes(event.state ?? '')
}
