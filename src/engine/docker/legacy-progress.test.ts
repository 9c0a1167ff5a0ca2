import { describe, expect, it } from 'vitest'
import { LegacyProgressParser, type LegacyEvent, type LegacyMessage } from './legacy-progress'

/** Recorded from Docker Engine 20.10 with DOCKER_BUILDKIT=0 (ids shortened as the daemon prints them). */
const recorded: LegacyMessage[] = [
  { stream: 'Step 1/5 : FROM busybox:latest' },
  { stream: '\n' },
  { stream: ' ---\u003e 65ad0d468eb1\n' },
  { stream: 'Step 2/5 : ENV GREETING=hi\n' },
  { stream: ' ---\u003e Using cache\n' },
  { stream: ' ---\u003e 4cc5a0ab0dd2\n' },
  { stream: 'Step 3/5 : COPY app.sh /app.sh\n' },
  { stream: ' ---\u003e 1f2e3d4c5b6a\n' },
  { stream: 'Step 4/5 : RUN sh /app.sh\n' },
  { stream: ' ---\u003e Running in 2f1d3c7a9b10\n' },
  { stream: 'hel' },
  { stream: 'lo\nworld\n' },
  { stream: '\u001b[91merr\n' },
  { stream: '\u001b[0mmore\n' },
  { stream: 'Removing intermediate container 2f1d3c7a9b10\n' },
  { stream: ' ---\u003e Removed intermediate container 2f1d3c7a9b10\n' },
  { stream: ' ---\u003e 7f9e2e0e5d21\n' },
  { stream: 'Step 5/5 : RUN exit 3\n' },
  { stream: ' ---\u003e Running in 0b6c5d4e3f21\n' },
  { stream: 'oops\n' },
  { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
]

function parseAll(messages: LegacyMessage[]): LegacyEvent[] {
  const parser = new LegacyProgressParser()
  return [...messages.flatMap((m) => parser.push(m)), ...parser.end()]
}

describe('legacy builder progress', () => {
  it('turns a recorded stream into step events, whatever the chunking', () => {
    const events = parseAll(recorded)
    expect(events).toEqual([
      { type: 'step', number: 1, total: 5, instruction: 'FROM busybox:latest' },
      { type: 'step-done', step: 1, imageId: '65ad0d468eb1' },
      { type: 'step', number: 2, total: 5, instruction: 'ENV GREETING=hi' },
      { type: 'cached', step: 2 },
      { type: 'step-done', step: 2, imageId: '4cc5a0ab0dd2' },
      { type: 'step', number: 3, total: 5, instruction: 'COPY app.sh /app.sh' },
      { type: 'step-done', step: 3, imageId: '1f2e3d4c5b6a' },
      { type: 'step', number: 4, total: 5, instruction: 'RUN sh /app.sh' },
      { type: 'running', step: 4, container: '2f1d3c7a9b10' },
      { type: 'log', step: 4, text: 'hello\n', stream: 'stdout' },
      { type: 'log', step: 4, text: 'world\n', stream: 'stdout' },
      { type: 'log', step: 4, text: 'err\n', stream: 'stderr' },
      { type: 'log', step: 4, text: 'more\n', stream: 'stdout' },
      { type: 'step-done', step: 4, imageId: '7f9e2e0e5d21' },
      { type: 'step', number: 5, total: 5, instruction: 'RUN exit 3' },
      { type: 'running', step: 5, container: '0b6c5d4e3f21' },
      { type: 'log', step: 5, text: 'oops\n', stream: 'stdout' },
      { type: 'error', step: 5, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
    ])
    // One character at a time gives the same events.
    const text = recorded.flatMap((m) => (m.stream ? [...m.stream].map((c) => ({ stream: c })) : [m]))
    expect(parseAll(text)).toEqual(events)
  })

  it('reads the image id and tags of a successful build', () => {
    const events = parseAll([
      { stream: 'Step 1/1 : FROM busybox\n' },
      { stream: ' ---> 65ad0d468eb1\n' },
      { aux: { ID: 'sha256:65ad0d468eb1abcdef' } },
      { stream: 'Successfully built 65ad0d468eb1\n' },
      { stream: 'Successfully tagged app:latest\n' },
    ])
    expect(events.slice(2)).toEqual([
      { type: 'image', id: 'sha256:65ad0d468eb1abcdef' },
      { type: 'image', id: '65ad0d468eb1' },
      { type: 'tagged', ref: 'app:latest' },
    ])
  })

  it('reports an error before any step (a parse error) at step 0, and a last line without newline', () => {
    expect(parseAll([{ error: 'dockerfile parse error line 2: unknown instruction: FOO' }])).toEqual([
      { type: 'error', step: 0, message: 'dockerfile parse error line 2: unknown instruction: FOO' },
    ])
    expect(parseAll([{ stream: 'Step 1/2 : RUN x\n' }, { stream: 'partial' }]).at(-1)).toEqual({ type: 'log', step: 1, text: 'partial\n', stream: 'stdout' })
  })
})
