/**
 * Errors that map to Docker API status codes; the API answers them as
 * `{"message": ...}` with the status.
 * @module
 */

/** An error with an HTTP status for the API. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** 400: the request is malformed or asks for something invalid. */
export class BadRequest extends ApiError {
  constructor(message: string) {
    super(400, message);
  }
}

/** 403: the object exists but this may never be done to it (a predefined network). */
export class Forbidden extends ApiError {
  constructor(message: string) {
    super(403, message);
  }
}

/** 404: the container, image or exec does not exist. */
export class NotFound extends ApiError {
  constructor(message: string) {
    super(404, message);
  }
}

/** 408: the client stopped sending its request; the connection is closed. */
export class RequestTimeout extends ApiError {
  constructor(message: string) {
    super(408, message);
  }
}

/** 413: the request body is larger than berth reads; the connection is closed. */
export class PayloadTooLarge extends ApiError {
  constructor(message: string) {
    super(413, message);
  }
}

/** 409: the request conflicts with the object's state. */
export class Conflict extends ApiError {
  constructor(message: string) {
    super(409, message);
  }
}

/** 304: nothing to do (start of a running container, stop of a stopped one). */
export class NotModified extends ApiError {
  constructor() {
    super(304, "");
  }
}
