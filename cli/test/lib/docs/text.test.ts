/** The text machinery of check-docs: generated sections, diffs, Markdown scanning, Nix values. */
import { describe, expect, it } from 'vitest'
import { unifiedDiff } from '../../../src/lib/docs/line-diff.js'
import { githubSlug, scanMarkdown } from '../../../src/lib/docs/markdown.js'
import { locateSection, replaceSection } from '../../../src/lib/docs/markers.js'
import { nixPretty } from '../../../src/lib/docs/nix-pretty.js'

describe('generated sections between markers', () => {
  const document = 'intro\n<!-- table -->\nold 1\nold 2\n<!-- table-stop -->\noutro\n'

  it('finds the content and the start line', () => {
    expect(locateSection(document, 'table')).toMatchObject({ content: 'old 1\nold 2', startLine: 2 })
  })

  it('replaces only the content; the prose around it stays byte for byte', () => {
    expect(replaceSection(document, 'table', 'new')).toBe('intro\n<!-- table -->\nnew\n<!-- table-stop -->\noutro\n')
  })

  it('fills an empty section, and empties a full one', () => {
    const empty = 'a\n<!-- table -->\n<!-- table-stop -->\n'
    expect(locateSection(empty, 'table')?.content).toBe('')
    expect(replaceSection(empty, 'table', 'x\ny')).toBe('a\n<!-- table -->\nx\ny\n<!-- table-stop -->\n')
    expect(replaceSection(document, 'table', '')).toBe('intro\n<!-- table -->\n<!-- table-stop -->\noutro\n')
  })

  it('needs both markers, each on a line of its own', () => {
    expect(locateSection('<!-- table -->\nx\n', 'table')).toBeUndefined()
    expect(locateSection('see <!-- table --> here\nx\n<!-- table-stop -->\n', 'table')).toBeUndefined()
    expect(replaceSection('no markers', 'table', 'x')).toBeUndefined()
  })
})

describe('unified diff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb', 'a\nb', { fromName: 'x', toName: 'y' })).toEqual({ text: '', added: 0, removed: 0 })
  })

  it('shows a change with three lines of context, removals first, numbered in the document', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n')
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10'].join('\n')
    const diff = unifiedDiff(before, after, { fromName: 'doc.md (as written)', toName: 'doc.md (as generated)', lineOffset: 10 })
    expect(diff.text.split('\n')).toEqual([
      '--- doc.md (as written)',
      '+++ doc.md (as generated)',
      '@@ -12,8 +12,9 @@',
      ' 2',
      ' 3',
      ' 4',
      '-5',
      '+five',
      ' 6',
      ' 7',
      ' 8',
      ' 9',
      '+10',
    ])
    expect([diff.added, diff.removed]).toEqual([2, 1])
  })

  it('makes one hunk per distant change', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`)
    const after = before.map((line, index) => (index === 1 || index === 17 ? `${line} changed` : line))
    const hunks = unifiedDiff(before.join('\n'), after.join('\n'), { fromName: 'a', toName: 'b' }).text.split('\n').filter((line) => line.startsWith('@@'))
    expect(hunks).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@'])
  })

  it('from nothing: every line added', () => {
    expect(unifiedDiff('', 'a\nb', { fromName: 'a', toName: 'b' }).text.split('\n').slice(2)).toEqual(['@@ -0,0 +1,2 @@', '+a', '+b'])
  })
})

describe('Markdown scanning', () => {
  it('finds inline code, fenced blocks (without their fences) and where they are', () => {
    const text = 'Run `hv vm list` or ``a ` b``.\n\n```sh\nsudo hv dev setup\n```\n\n~~~\nplain\n~~~\n'
    const { code } = scanMarkdown(text)
    expect(code.map(({ kind, text: fragment }) => [kind, fragment])).toEqual([
      ['inline', 'hv vm list'],
      ['inline', 'a ` b'],
      ['block', 'sudo hv dev setup'],
      ['block', 'plain'],
    ])
    expect(text.slice(code[2]!.offset, code[2]!.offset + 4)).toBe('sudo')
  })

  it('an inline code span may wrap a line but never a paragraph', () => {
    const { code } = scanMarkdown('A `multi\nline` span. An `unclosed one.\n\nNext` paragraph.')
    expect(code.map((fragment) => fragment.text)).toEqual(['multi\nline'])
  })

  it('finds links in prose only: not in code, not in HTML comments', () => {
    const { links } = scanMarkdown('[a](docs/a.md) `[b](b.md)` <!-- [c](c.md) --> ![img](<pics/x y.png> "title")\n\n[ref]: ../ref.md\n')
    expect(links.map((link) => link.target)).toEqual(['docs/a.md', 'pics/x y.png', '../ref.md'])
  })

  it("names headings as GitHub does, code text kept, duplicates numbered", () => {
    const { anchors } = scanMarkdown('# Fixture project\n## `hv vm create`\n## `a.b.<name>.c`\n## Notes\n## Notes\n```\n# not a heading\n```\n<a id="custom"></a>\n')
    expect([...anchors]).toEqual(['fixture-project', 'hv-vm-create', 'abnamec', 'notes', 'notes-1', 'custom'])
    expect(githubSlug('Impacts and mitigations')).toBe('impacts-and-mitigations')
  })
})

describe('Nix values as the NixOS manual shows them (lib.generators.toPretty)', () => {
  it('scalars and strings, escaped', () => {
    expect(nixPretty(null)).toBe('null')
    expect(nixPretty(true)).toBe('true')
    expect(nixPretty(42420)).toBe('42420')
    expect(nixPretty('say "hi" ${x} \\')).toBe('"say \\"hi\\" \\${x} \\\\"')
  })

  it("multi-line strings as '' strings", () => {
    expect(nixPretty('a\n${b}\n')).toBe("''\n  a\n  ''${b}\n''")
  })

  it('lists and attribute sets, one item per line, names quoted when they must be', () => {
    expect(nixPretty([])).toBe('[ ]')
    expect(nixPretty({})).toBe('{ }')
    expect(nixPretty(['eno2', 'eno3'])).toBe('[\n  "eno2"\n  "eno3"\n]')
    expect(nixPretty({ 'br-lab': { interfaces: ['eno2'] }, 'with': 1, 'a b': 2 })).toBe(
      '{\n  "a b" = 2;\n  br-lab = {\n    interfaces = [\n      "eno2"\n    ];\n  };\n  "with" = 1;\n}',
    )
  })

  it('what JSON cannot carry, as the extraction tags it', () => {
    expect(nixPretty({ __hvNix: 'path', text: './modules/x' })).toBe('./modules/x')
    expect(nixPretty({ __hvNix: 'derivation', name: 'hello-2.12' })).toBe('<derivation hello-2.12>')
    expect(nixPretty({ __hvNix: 'function', args: { lib: false, pkgs: true } })).toBe('<function, args: {lib, pkgs?}>')
    expect(nixPretty({ __hvNix: 'function', args: {} })).toBe('<function>')
  })
})
