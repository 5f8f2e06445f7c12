import { describe, expect, it } from 'vitest'
import { CommandFailedError, CommandNotFoundError, run, watchOutput, which } from '../../src/lib/exec.js'

describe('run (the one execa wrapper), against real programs', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const result = await run('sh', ['-c', 'echo out; echo err >&2'])
    expect(result).toEqual({ stdout: 'out', stderr: 'err', exitCode: 0 })
  })

  it('passes arguments literally: no shell sees them', async () => {
    const hostile = '$(touch /tmp/hv-pwned); `id`; * && echo "x" > /dev/null'
    const { stdout } = await run('printf', ['%s', hostile])
    expect(stdout).toBe(hostile)
  })

  it('feeds input on stdin', async () => {
    expect((await run('cat', [], { input: 'a <domain/> & b' })).stdout).toBe('a <domain/> & b')
  })

  it('turns a non-zero exit into CommandFailedError carrying stderr', async () => {
    const error = await run('sh', ['-c', 'echo "disk full" >&2; exit 3']).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CommandFailedError)
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 31, commandExitCode: 3, stderr: 'disk full' })
    expect((error as Error).message).toBe('sh -c echo "disk full" >&2; exit 3 failed: disk full')
  })

  it('accepts exit codes the caller declares to be answers', async () => {
    expect((await run('sh', ['-c', 'exit 1'], { allowedExitCodes: [1] })).exitCode).toBe(1)
  })

  it('reports a missing program as MISSING_DEPENDENCY (exit 2) with a way to install it', async () => {
    const error = await run('hv-no-such-program', []).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CommandNotFoundError)
    expect(error).toMatchObject({ code: 'MISSING_DEPENDENCY', exitCode: 2 })
    expect((error as CommandNotFoundError).suggestions[0]).toContain('hv dev setup')
  })

  it('kills a program that outlives its timeout and reports TIMEOUT (exit 35)', async () => {
    await expect(run('sleep', ['5'], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT', exitCode: 35 })
  })
})

describe('which', () => {
  it('finds programs on PATH and not elsewhere', async () => {
    expect(await which('sh')).toMatch(/\/sh$/)
    expect(await which('hv-no-such-program')).toBeUndefined()
    expect(await which('sh', '/nonexistent')).toBeUndefined()
  })
})

describe('watchOutput', () => {
  it('resolves as soon as the output shows what we wait for, and stops the program', async () => {
    const started = Date.now()
    const output = await watchOutput('sh', ['-c', 'echo booting; sleep 0.2; echo READY; sleep 30'], {
      timeoutMs: 10_000,
      until: (text) => text.includes('READY'),
      waitingFor: 'READY',
    })
    expect(output).toContain('booting\nREADY')
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('times out with the last output in its suggestions', async () => {
    await expect(
      watchOutput('sh', ['-c', 'echo still booting; sleep 30'], { timeoutMs: 300, until: () => false, waitingFor: 'the marker' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', message: 'gave up after 300 ms waiting for the marker', suggestions: ['last output: still booting'] })
  })

  it('fails when the program exits before the output appears', async () => {
    await expect(
      watchOutput('sh', ['-c', 'echo nope; exit 2'], { timeoutMs: 10_000, until: (text) => text.includes('READY'), waitingFor: 'READY' }),
    ).rejects.toBeInstanceOf(CommandFailedError)
  })
})
