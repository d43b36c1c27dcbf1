/** An XRPC error: `{error, message}` with an HTTP status, as atproto clients expect. */
export class XrpcError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message)
    this.name = 'XrpcError'
  }

  toResponse(): Response {
    return Response.json({ error: this.error, message: this.message }, { status: this.status })
  }
}

export class InvalidRequestError extends XrpcError {
  constructor(message: string, error = 'InvalidRequest') {
    super(400, error, message)
  }
}

export class MethodNotImplementedError extends XrpcError {
  constructor(method: string) {
    super(501, 'MethodNotImplemented', `method not implemented: ${method}`)
  }
}

/**
 * 405 for a known query called with another HTTP method. The error name and message are the ones
 * atproto's xrpc-server sends (it answers 400); the status and Allow header say what HTTP means.
 */
export class MethodNotAllowedError extends XrpcError {
  static readonly ALLOW = 'GET, HEAD'

  constructor(method: string) {
    super(405, 'InvalidRequest', `Incorrect HTTP method (${method}) expected GET`)
  }

  override toResponse(): Response {
    const res = super.toResponse()
    res.headers.set('Allow', MethodNotAllowedError.ALLOW)
    return res
  }
}

/** Never carries the underlying error's text: a 500 must not leak internals. */
export class InternalServerError extends XrpcError {
  constructor() {
    super(500, 'InternalServerError', 'Internal Server Error')
  }
}

/** 401 for credentials that were sent but refused; RFC 6750 asks for the Bearer challenge. */
export class AuthRequiredError extends XrpcError {
  constructor(message: string, error = 'AuthenticationRequired') {
    super(401, error, message)
  }

  override toResponse(): Response {
    const res = super.toResponse()
    res.headers.set('WWW-Authenticate', `Bearer error="${this.error}"`)
    return res
  }
}

/** 403 for a verified requester the method refuses; the name atproto's xrpc-server uses. */
export class ForbiddenError extends XrpcError {
  constructor(message: string) {
    super(403, 'Forbidden', message)
  }
}
