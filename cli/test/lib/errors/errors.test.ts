import { Errors } from '@oclif/core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ExitCode } from '../../../src/lib/errors/exit-codes.js'
import { HvError } from '../../../src/lib/errors/hv-error.js'
import { renderHuman, renderJson } from '../../../src/lib/errors/render.js'
import { toHvError } from '../../../src/lib/errors/to-hv-error.js'
import { createTheme } from '../../../src/lib/theme.js'

const plain = createTheme(false)

describe('HvError rendering', () => {
  const error = new HvError('VM_NOT_FOUND', 'no VM named web', {
    exitCode: ExitCode.VM_NOT_FOUND,
    suggestions: ['hv vm list', 'check the spelling'],
  })

  it('renders "Error (code): message" and a "Try this:" list for humans', () => {
    expect(renderHuman(error, plain)).toBe('Error (VM_NOT_FOUND): no VM named web\nTry this:\n  - hv vm list\n  - check the spelling')
  })

  it('omits "Try this:" when there is nothing to suggest', () => {
    expect(renderHuman(new HvError('X', 'broken'), plain)).toBe('Error (X): broken')
  })

  it('renders the {status, code, message, suggestions} envelope as JSON', () => {
    expect(JSON.parse(renderJson(error))).toEqual({
      status: 21,
      code: 'VM_NOT_FOUND',
      message: 'no VM named web',
      suggestions: ['hv vm list', 'check the spelling'],
    })
  })

  it('adds "data" to the envelope only when the error carries a result', () => {
    expect(Object.keys(error.toEnvelope())).toEqual(['status', 'code', 'message', 'suggestions'])
    const failed = new HvError('SECURITY_CHECK_FAILED', '1 of 2 guarantees do not hold: x', { exitCode: ExitCode.SECURITY_CHECK_FAILED, data: { summary: { fail: 1 } } })
    expect(JSON.parse(renderJson(failed))).toEqual({
      status: 43,
      code: 'SECURITY_CHECK_FAILED',
      message: '1 of 2 guarantees do not hold: x',
      suggestions: [],
      data: { summary: { fail: 1 } },
    })
  })

  it('colours only when the theme has colour', () => {
    expect(renderHuman(error, createTheme(true))).toContain('\u001B[')
    expect(renderHuman(error, plain)).not.toContain('\u001B[')
  })
})

describe('toHvError', () => {
  it('keeps an HvError as it is', () => {
    const error = new HvError('X', 'y', { exitCode: ExitCode.TIMEOUT })
    expect(toHvError(error)).toBe(error)
  })

  it('turns a zod error into INVALID_ARGUMENT naming every bad field', () => {
    const result = z.object({ memory: z.number().min(64), name: z.string() }).safeParse({ memory: 1 })
    const error = toHvError(result.error, 'vm:create')
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.exitCode).toBe(4)
    expect(error.message).toMatch(/memory: /)
    expect(error.message).toMatch(/name: /)
    expect(error.suggestions).toEqual(['hv vm create --help'])
  })

  it('turns an oclif parse error into INVALID_ARGUMENT with the command help as suggestion', () => {
    const parseError = Object.assign(new Errors.CLIError('Nonexistent flag: --bogus\nSee more help with --help'), {
      parse: {},
    })
    const error = toHvError(parseError, 'settings:show')
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', exitCode: 4, message: 'Nonexistent flag: --bogus' })
    expect(error.suggestions).toEqual(['hv settings show --help'])
  })

  it('turns a prompt abort into CANCELLED (exit 10)', () => {
    const abort = new Error('User force closed the prompt')
    abort.name = 'ExitPromptError'
    expect(toHvError(abort)).toMatchObject({ code: 'CANCELLED', exitCode: 10 })
  })

  it('turns anything else into UNEXPECTED (exit 1) and keeps the cause', () => {
    const cause = new TypeError('x is undefined')
    const error = toHvError(cause)
    expect(error).toMatchObject({ code: 'UNEXPECTED', exitCode: 1, message: 'x is undefined' })
    expect(error.cause).toBe(cause)
  })
})
