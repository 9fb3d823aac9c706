/** Where in an input a problem was found; every field optional, printed in this order. */
export interface ErrorLocation {
  /** Path of the file being read or written. */
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** Byte offset, for binary formats. */
  offset?: number;
  /** Name of the field, column or option at fault. */
  field?: string;
}

/**
 * The one error type embedlm throws for bad input or bad options. The CLI prints its message
 * (prefixed with the location) and exits with `exitCode`; anything else is a bug and prints a stack.
 */
export class EmbedlmError extends Error {
  readonly location: ErrorLocation;
  readonly exitCode: number;

  constructor(message: string, location: ErrorLocation = {}, exitCode = 1) {
    super(formatLocation(location) + message);
    this.name = "EmbedlmError";
    this.location = location;
    this.exitCode = exitCode;
  }
}

function formatLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.offset !== undefined) parts.push(`byte ${loc.offset}`);
  if (loc.field !== undefined) parts.push(loc.field);
  return parts.length > 0 ? `${parts.join(": ")}: ` : "";
}

/** Throws an EmbedlmError naming `field` unless `value` is an integer within [min, max]. */
export function checkInt(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new EmbedlmError(`expected an integer ${range}, got ${String(value)}`, { field });
  }
  return value;
}

/** Throws an EmbedlmError naming `field` unless `value` is a finite number within [min, max]. */
export function checkNumber(
  field: string,
  value: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new EmbedlmError(`expected a number ${range}, got ${String(value)}`, { field });
  }
  return value;
}

/** The error for a file that could not be opened or read: its system code (ENOENT, EISDIR, ...). */
export function cannotRead(e: unknown, file: string): EmbedlmError {
  return new EmbedlmError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
}
