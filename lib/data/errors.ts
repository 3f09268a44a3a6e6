// Typed errors of the data readers: every error names the file and the problem.

export class DataFormatError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.problem = problem;
  }
}

// A DICOM whose pixel data is encoded in a transfer syntax we cannot decode.
export class UnsupportedTransferSyntaxError extends DataFormatError {
  readonly transferSyntax: string;
  constructor(file: string, transferSyntax: string, problem: string) {
    super(file, problem);
    this.name = 'UnsupportedTransferSyntaxError';
    this.transferSyntax = transferSyntax;
  }
}

// Turns anything thrown by a third-party parser (strings, numbers, objects) into readable text.
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  if (thrown && typeof thrown === 'object' && 'exception' in thrown) return String((thrown as { exception: unknown }).exception);
  if (typeof thrown === 'number') return `codec error code ${thrown}`;
  return String(thrown);
}

// Wraps a foreign error as a DataFormatError for `file` (keeps typed errors as they are).
export function asDataFormatError(file: string, thrown: unknown, context?: string): DataFormatError {
  if (thrown instanceof DataFormatError) return thrown;
  const text = describeThrown(thrown).split('\n')[0];
  return new DataFormatError(file, context ? `${context}: ${text}` : text);
}
