/** An expected HTTP failure: the central error handler turns it into `{error: {code, message, field?}}`. */
export class HttpError extends Error {
  constructor(
    /** Only the statuses the app raises itself: a 409 comes from a StoreError, a 500 from onError. */
    readonly status: 400 | 401 | 403 | 404 | 413 | 415,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
