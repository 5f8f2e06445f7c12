/**
 * Generated sections of a Markdown document: the text between `<!-- NAME -->` and
 * `<!-- NAME-stop -->`, each marker on a line of its own. Everything outside the markers is
 * hand-written and never touched.
 */

export const startMarker = (name: string): string => `<!-- ${name} -->`
export const stopMarker = (name: string): string => `<!-- ${name}-stop -->`

export interface SectionLocation {
  /** The generated text between the marker lines, without the newlines that end them. */
  content: string
  /** Offset of the first character after the start marker's line. */
  contentStart: number
  /** Offset of the stop marker (the content ends just before the newline that precedes it). */
  contentEnd: number
  /** 1-based line of the start marker. */
  startLine: number
}

function markerLineAt(document: string, marker: string, from: number): number {
  for (let index = document.indexOf(marker, from); index !== -1; index = document.indexOf(marker, index + 1)) {
    const lineStart = index === 0 || document[index - 1] === '\n'
    const lineEnd = index + marker.length === document.length || document[index + marker.length] === '\n'
    if (lineStart && lineEnd) return index
  }
  return -1
}

/** Where the section `name` is, or undefined when either marker line is missing. */
export function locateSection(document: string, name: string): SectionLocation | undefined {
  const start = markerLineAt(document, startMarker(name), 0)
  if (start === -1) return undefined
  const afterStart = start + startMarker(name).length + 1
  const stop = markerLineAt(document, stopMarker(name), afterStart - 1)
  if (stop === -1 || stop < afterStart - 1) return undefined
  // An empty section is the two marker lines next to each other.
  const content = stop <= afterStart ? '' : document.slice(afterStart, stop - 1)
  const startLine = document.slice(0, start).split('\n').length
  return { content, contentStart: afterStart, contentEnd: stop, startLine }
}

/** The document with the section `name` holding `generated`; undefined when its markers are missing. */
export function replaceSection(document: string, name: string, generated: string): string | undefined {
  const location = locateSection(document, name)
  if (!location) return undefined
  const body = generated === '' ? '' : `${generated}\n`
  return document.slice(0, location.contentStart) + body + document.slice(location.contentEnd)
}
