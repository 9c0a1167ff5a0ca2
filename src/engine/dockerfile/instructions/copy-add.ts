// COPY and ADD (parse.go parseCopy, parseAdd, parseSourcesAndDest).

import { chompHeredocContent, parseHeredocWord } from '../heredoc'
import type { HeredocMarker } from '../heredoc'
import { baseOf, errBadHeredoc, errNoDestinationArgument } from './request'
import type { ParseRequest } from './request'
import type { AddInstruction, CopyInstruction, HeredocSource } from './types'

/** parser.MustParseHeredoc: a word that opens a heredoc, or null (malformed ones included). */
function heredocWord(word: string): HeredocMarker | null {
  try {
    return parseHeredocWord(word)
  } catch {
    return null
  }
}

interface SourcesAndDest {
  readonly sources: readonly string[]
  readonly heredocs: readonly HeredocSource[]
  readonly dest: string
}

/**
 * The last argument is the destination, the rest sources. A source word that opens a heredoc
 * takes the body the parser read for that name (BuildKit looks bodies up by name, so a JSON
 * `["<<EOF", "/x"]`, which has no bodies, copies an empty file called EOF).
 */
function sourcesAndDest(req: ParseRequest, command: string): SourcesAndDest {
  const dest = req.args[req.args.length - 1] ?? ''
  if (heredocWord(dest) !== null) throw errBadHeredoc(command, 'a destination')
  const bodies = new Map(req.node.heredocs.map((h) => [h.name, h.content]))
  const sources: string[] = []
  const heredocs: HeredocSource[] = []
  for (const src of req.args.slice(0, -1)) {
    const heredoc = heredocWord(src)
    if (heredoc === null) {
      sources.push(src)
      continue
    }
    const body = bodies.get(heredoc.name) ?? ''
    heredocs.push({
      name: heredoc.name,
      content: heredoc.chomp ? chompHeredocContent(body) : body,
      expand: heredoc.expand,
    })
  }
  return { sources, heredocs, dest }
}

export function parseCopy(req: ParseRequest): CopyInstruction {
  if (req.args.length < 2) throw errNoDestinationArgument('COPY')
  const flags = req.flags([
    ['exclude', 'strings'],
    ['parents', 'bool'],
    ['chown', 'string'],
    ['from', 'string'],
    ['chmod', 'string'],
    ['link', 'bool'],
  ])
  return {
    ...baseOf('copy', req.node),
    ...sourcesAndDest(req, 'COPY'),
    from: flags.string('from') || null,
    chown: flags.string('chown') || null,
    chmod: flags.string('chmod') || null,
    link: flags.bool('link'),
    parents: flags.bool('parents'),
    excludes: flags.strings('exclude'),
  }
}

export function parseAdd(req: ParseRequest): AddInstruction {
  if (req.args.length < 2) throw errNoDestinationArgument('ADD')
  const flags = req.flags([
    ['exclude', 'strings'],
    ['chown', 'string'],
    ['chmod', 'string'],
    ['link', 'bool'],
    ['keep-git-dir', 'bool'],
    ['checksum', 'string'],
    ['unpack', 'bool'],
  ])
  return {
    ...baseOf('add', req.node),
    ...sourcesAndDest(req, 'ADD'),
    // BuildKit treats an empty value as "not given" (`--chown=` is no chown).
    chown: flags.string('chown') || null,
    chmod: flags.string('chmod') || null,
    link: flags.bool('link'),
    keepGitDir: flags.used('keep-git-dir') ? flags.bool('keep-git-dir') : null,
    checksum: flags.string('checksum') || null,
    unpack: flags.used('unpack') ? flags.bool('unpack') : null,
    excludes: flags.strings('exclude'),
  }
}
