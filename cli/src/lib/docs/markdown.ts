/**
 * Just enough of Markdown to check what a document names: its code (fenced blocks and
 * inline code spans, where commands and options are written), its prose (where links are),
 * and its headings (what `#anchor` links point at). Offsets are into the original text, so
 * findings point at the right line and column.
 */

export interface CodeFragment {
  kind: 'inline' | 'block'
  /** A fenced block's language (`sh`, `nix`, `text`), '' when none is given. */
  language?: string
  /** The code itself (a block without its fences). */
  text: string
  /** Offset of `text` in the document. */
  offset: number
}

export interface MarkdownLink {
  target: string
  /** Offset of the target in the document. */
  offset: number
}

export interface MarkdownScan {
  code: CodeFragment[]
  links: MarkdownLink[]
  /** GitHub's anchors for the headings (and explicit `<a id>`/`<a name>`), in order. */
  anchors: Set<string>
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/

interface Line {
  text: string
  offset: number
}

function linesOf(text: string): Line[] {
  const lines: Line[] = []
  let offset = 0
  for (const line of text.split('\n')) {
    lines.push({ text: line, offset })
    offset += line.length + 1
  }
  return lines
}

/** The text of a heading as GitHub turns it into an anchor: inline Markdown reduced to its text. */
function headingText(markdown: string): string {
  // Code spans keep their text as written (`<name>` in code is text, not a tag).
  const spans: string[] = []
  const withoutCode = markdown.replace(/(`+)(.+?)\1/g, (_span, _fence, content: string) => {
    spans.push(content.trim())
    return `\u0000${spans.length - 1}\u0000`
  })
  return withoutCode
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\u0000(\d+)\u0000/g, (_placeholder, index: string) => spans[Number(index)] ?? '')
}

/** github-slugger: lower case, punctuation other than `-` and `_` removed, spaces to dashes. */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Inline code spans of a stretch of prose (CommonMark: a run of N backticks closed by a run of exactly N). */
function codeSpans(prose: string, base: number, found: CodeFragment[], blank: (from: number, to: number) => void): void {
  // A span never crosses a blank line (the end of a paragraph).
  const paragraphEnds = [...prose.matchAll(/\n[ \t]*\n/g)].map((end) => end.index)
  let nextEnd = 0
  const run = /`+/g
  for (let match = run.exec(prose); match; match = run.exec(prose)) {
    if (match.index > 0 && prose[match.index - 1] === '\\') continue
    while (nextEnd < paragraphEnds.length && (paragraphEnds[nextEnd] ?? 0) < match.index) nextEnd += 1
    const paragraphEnd = paragraphEnds[nextEnd] ?? prose.length
    const fence = match[0]
    const closing = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g')
    closing.lastIndex = match.index + fence.length
    const end = closing.exec(prose)
    if (!end || end.index > paragraphEnd) continue
    const from = match.index + fence.length
    found.push({ kind: 'inline', text: prose.slice(from, end.index), offset: base + from })
    blank(base + match.index, base + end.index + fence.length)
    run.lastIndex = end.index + fence.length
  }
}

export function scanMarkdown(text: string): MarkdownScan {
  const code: CodeFragment[] = []
  // The prose: the document with code and HTML comments blanked out (newlines kept), so
  // that offsets stay valid and nothing inside code looks like a link.
  const prose = text.split('')
  const blank = (from: number, to: number) => {
    for (let index = from; index < to; index += 1) if (prose[index] !== '\n') prose[index] = ' '
  }

  const lines = linesOf(text)
  const headings: string[] = []
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as Line
    const open = FENCE_OPEN.exec(line.text)
    if (open?.[1] && !(open[1].startsWith('`') && open[2]?.includes('`'))) {
      const fence = open[1]
      const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`)
      let end = index + 1
      while (end < lines.length && !close.test((lines[end] as Line).text)) end += 1
      const first = lines[index + 1]
      const blockEnd = end < lines.length ? (lines[end] as Line).offset : text.length
      const language = open[2]?.trim().split(/\s+/)[0] ?? ''
      if (first && index + 1 < end) code.push({ kind: 'block', language, text: text.slice(first.offset, blockEnd - 1), offset: first.offset })
      blank(line.offset, end < lines.length ? (lines[end] as Line).offset + (lines[end] as Line).text.length : text.length)
      index = end
      continue
    }
    const heading = HEADING.exec(line.text)
    if (heading?.[1] !== undefined) headings.push(headingText(heading[1]))
  }

  for (const comment of text.matchAll(/<!--[\s\S]*?-->/g)) blank(comment.index, comment.index + comment[0].length)
  codeSpans(prose.join(''), 0, code, blank)
  code.sort((a, b) => a.offset - b.offset)

  const proseText = prose.join('')
  const links: MarkdownLink[] = []
  // Inline links and images: [text](target "title") or [text](<target>).
  for (const match of proseText.matchAll(/\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
    const raw = match[1] ?? ''
    const target = raw.startsWith('<') ? raw.slice(1, -1) : raw
    links.push({ target, offset: match.index + match[0].indexOf(raw) + (raw.startsWith('<') ? 1 : 0) })
  }
  // Reference definitions: [label]: target
  for (const match of proseText.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm)) {
    const raw = match[1] ?? ''
    links.push({ target: raw.startsWith('<') ? raw.slice(1, -1) : raw, offset: match.index + match[0].lastIndexOf(raw) })
  }
  links.sort((a, b) => a.offset - b.offset)

  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const heading of headings) {
    const slug = githubSlug(heading)
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  for (const match of text.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) if (match[1]) anchors.add(match[1])
  return { code, links, anchors }
}
