/** A malformed input file: the message names the file, where, what was expected and what was found. */
export class InputFileError extends Error {}
