// BuildKit's Node.Dump, the s-expression format of the parser corpus `result` files:
//   (keyword ["--flag" …] "arg" …)      one line per instruction
//   (onbuild (run "echo" "x"))          ONBUILD nests its sub-instruction

import { goQuote, goToLower, goTrimSpace } from './go-strings'
import type { DockerfileAst, InstructionNode, ParseResult, SubcommandNode } from './syntax'

function dumpInstruction(node: InstructionNode): string {
  let out = goToLower(node.value)
  if (node.flags.length > 0) out += ' [' + node.flags.map((f) => goQuote(f.value)).join(' ') + ']'
  for (let arg = node.next; arg; arg = arg.next) {
    out += ' ' + (arg.kind === 'subcommand' ? dumpSubcommand(arg) : goQuote(arg.value))
  }
  return goTrimSpace(out).text
}

/** The ONBUILD wrapper is a node with an empty value and one child. */
function dumpSubcommand(node: SubcommandNode): string {
  return goTrimSpace('(' + dumpInstruction(node.instruction) + ')\n').text
}

/**
 * The dump of a whole file, exactly as a corpus `result` file holds it: BuildKit's
 * root.Dump() (one `(…)` line per instruction) plus the single newline the upstream test adds.
 */
export function dumpResult(parsed: DockerfileAst | ParseResult): string {
  const ast = 'ast' in parsed ? parsed.ast : parsed
  const body = ast.children.map((child) => '(' + dumpInstruction(child) + ')\n').join('')
  return goTrimSpace(body).text + '\n'
}
