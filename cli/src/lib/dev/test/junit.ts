/**
 * One JUnit XML file for every layer of a run: a <testsuite> per layer, a <testcase> per
 * case (classname = its file or flake check's file), failures with their message, skips with
 * their reason, and a layer's own reasons as suite properties. Built by fast-xml-parser, so
 * test names and logs are escaped, never pasted into markup.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { XMLBuilder } from 'fast-xml-parser'
import type { LayerResult, TestCaseResult, TestRunResult } from './results.js'

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: true,
  suppressEmptyNode: true,
  processEntities: true,
})

const ANSI_ESCAPE = /\u001B\[[0-9;?]*[A-Za-z]/g
// Characters XML 1.0 cannot carry at all, even escaped (control characters but tab and newlines).
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Text as XML can hold it: colour codes dropped, other control characters shown as U+FFFD. */
export function xmlText(text: string): string {
  return text.replace(ANSI_ESCAPE, '').replace(NOT_XML, '\uFFFD')
}

const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3)

function testcase(layer: LayerResult, testCase: TestCaseResult): Record<string, unknown> {
  const element: Record<string, unknown> = {
    '@_classname': xmlText(`${layer.layer}.${testCase.suite}`),
    '@_name': xmlText(testCase.name),
    '@_time': seconds(testCase.durationMs),
  }
  const message = xmlText(testCase.message ?? '')
  if (testCase.status === 'failed') {
    element.failure = { '@_message': message.split('\n')[0] || 'failed', '@_type': 'failure', '#text': message }
  } else if (testCase.status === 'skipped') {
    element.skipped = { '@_message': message }
  } else if (message) {
    element['system-out'] = { '#text': message }
  }
  return element
}

function testsuite(layer: LayerResult): Record<string, unknown> {
  return {
    '@_name': layer.layer,
    '@_tests': String(layer.cases.length),
    '@_failures': String(layer.failed),
    '@_errors': '0',
    '@_skipped': String(layer.skipped),
    '@_time': seconds(layer.durationMs),
    ...(layer.reasons.length > 0
      ? { properties: { property: layer.reasons.map((reason) => ({ '@_name': 'skip-reason', '@_value': xmlText(reason) })) } }
      : {}),
    testcase: layer.cases.map((testCase) => testcase(layer, testCase)),
  }
}

export function renderJunit(result: TestRunResult): string {
  const cases = result.layers.reduce((sum, layer) => sum + layer.cases.length, 0)
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'hv dev test',
      '@_tests': String(cases),
      '@_failures': String(result.totals.failed),
      '@_errors': '0',
      '@_skipped': String(result.totals.skipped),
      '@_time': seconds(result.durationMs),
      testsuite: result.layers.map(testsuite),
    },
  }
  return String(builder.build(document))
}

export async function writeJunit(file: string, result: TestRunResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, renderJunit(result))
}
