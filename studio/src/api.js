import { apiBase } from './paths.js';

/** Error response of the studio API: `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    const error = body && typeof body.error === 'object' ? body.error : {};
    super(error.message || `The server answered with HTTP status ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error.code || `http_${status}`;
    // The module sends `field` and a conflict's current `post` beside
    // `error`; inside it is accepted too.
    this.field = body?.field ?? error.field ?? null;
    this.post = body?.post ?? error.post ?? null;
    this.retryAfterSeconds = parseRetryAfter(headers.get('Retry-After'));
  }
}

/** Failure to reach the server at all: it is down or the device is offline. */
export class NetworkError extends Error {
  constructor(cause) {
    super('The server could not be reached.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

let csrfToken = null;
let handleUnauthenticated = () => {};

/** Sets the token sent as X-CSRF-Token on every request that changes data. */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Registers what runs when a request other than sign-in gets 401. */
export function onUnauthenticated(handler) {
  handleUnauthenticated = handler;
}

/** Reports a 401 from a request made outside apiRequest, such as an upload. */
export function reportUnauthenticated() {
  handleUnauthenticated();
}

/** Returns the headers that every request which changes data carries. */
export function writeHeaders() {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

/**
 * Sends one request to the studio API and returns the parsed JSON body,
 * or null for an empty one. Throws ApiError for an error status,
 * NetworkError when the server is unreachable, and the AbortError of
 * `signal` when the request is aborted.
 */
export async function apiRequest(method, path, options = {}) {
  const { body, revision, signal, keepalive = false } = options;
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    Object.assign(headers, writeHeaders());
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (revision !== undefined) {
    headers['If-Match'] = `"rev-${revision}"`;
  }

  let response;
  try {
    response = await fetch(apiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
      keepalive,
    });
  } catch (error) {
    if (error.name === 'AbortError') {
      throw error;
    }
    throw new NetworkError(error);
  }

  const data = await readJson(response);
  if (!response.ok) {
    const apiError = new ApiError(response.status, data, response.headers);
    if (apiError.status === 401 && path !== 'session') {
      handleUnauthenticated();
    }
    throw apiError;
  }
  return data;
}

async function readJson(response) {
  const text = await response.text();
  if (text === '') {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    // A proxy in front of the module may respond with an HTML error page.
    return null;
  }
}

/** Parses Retry-After, in seconds or as an HTTP date, into whole seconds. */
export function parseRetryAfter(value) {
  if (!value) {
    return null;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) {
    return null;
  }
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Describes any error of apiRequest for the author, as a sentence. */
export function describeError(error) {
  if (error instanceof NetworkError) {
    return 'The server could not be reached. Check the connection and try again.';
  }
  return toSentence(error.message || String(error));
}

/** Capitalizes a message and ends it with a period, unless it has one. */
export function toSentence(message) {
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
