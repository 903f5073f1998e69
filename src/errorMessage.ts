/**
 * The text to show or log for anything a catch block receives. Catch blocks get `unknown`: besides
 * Errors there are thrown strings, rejected plain objects, and Errors from another realm (a worker,
 * the VS Code host's own) that fail `instanceof Error` but still carry a `message`. An Error with an
 * empty message reads as its name ("Error"), never as nothing.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && error.message)
    return error.message;
  return String(error);
}
