/** A mistake in how the command was called: reported with the usage hint, exit status 2. */
export class UsageError extends Error {}

/** A failure the user can act on: reported as one line, exit status 1, no stack trace. */
export class CliError extends Error {}
