import { atom } from 'nanostores';
import { apiRequest, ApiError, describeError, onUnauthenticated, setCsrfToken } from '../api.js';
import { setCopyOwner } from '../local-copies.js';

/**
 * The signed-in author. `state` is 'loading', 'signed-in', 'signed-out' or
 * 'no-author' (the web server signed in a user who has no author account,
 * explained by `loadError`). `limits` contains max_post_size and
 * max_upload_size in bytes when the server sends them. `signedInByServer`
 * is set when Apache's own authentication signed the author in, so the
 * studio can neither sign in nor out. `justSignedIn` is set when the
 * author signed in on this page, not by a session cookie from before.
 * `notice` explains why the author was signed out.
 */
export const $session = atom({
  state: 'loading',
  user: null,
  limits: null,
  signedInByServer: false,
  justSignedIn: false,
  notice: '',
  loadError: '',
});

function applySession(data, justSignedIn = false) {
  setCsrfToken(data.csrf_token);
  setCopyOwner(data.user.id);
  $session.set({
    state: 'signed-in',
    user: data.user,
    limits: data.limits ?? null,
    // Only WriteKitStudioAuth apache sends a session without a CSRF token.
    signedInByServer: data.csrf_token === null,
    justSignedIn,
    notice: '',
    loadError: '',
  });
}

function signedOut(notice = '') {
  setCsrfToken(null);
  $session.set({
    state: 'signed-out',
    user: null,
    limits: null,
    signedInByServer: false,
    justSignedIn: false,
    notice,
    loadError: '',
  });
}

onUnauthenticated(() => {
  if ($session.get().state === 'signed-in') {
    signedOut('Your session has ended. Sign in again: changes not saved yet are kept on this device and saved after you sign in.');
  }
});

/** Loads the current session, if the cookie still opens one. */
export async function loadSession() {
  try {
    applySession(await apiRequest('GET', 'session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signedOut();
      return;
    }
    if (error instanceof ApiError && error.code === 'no_author') {
      $session.set({ ...$session.get(), state: 'no-author', loadError: describeError(error) });
      return;
    }
    $session.set({ ...$session.get(), state: 'signed-out', loadError: describeError(error) });
  }
}

function minutesText(seconds) {
  if (seconds < 60) {
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Signs in and returns null, or returns the error message to show. */
export async function signIn(email, password) {
  try {
    applySession(await apiRequest('POST', 'session', { body: { email, password } }), true);
    return null;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'invalid_credentials') {
      return 'Wrong email or password.';
    }
    if (error instanceof ApiError && error.code === 'too_many_attempts') {
      const wait = error.retryAfterSeconds;
      return wait
        ? `Too many failed sign-ins. Try again in ${minutesText(wait)}.`
        : 'Too many failed sign-ins. Try again later.';
    }
    return describeError(error);
  }
}

/** Signs out and returns null, or returns the error message to show. */
export async function signOut() {
  try {
    await apiRequest('DELETE', 'session');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      // The session cookie is HttpOnly and stays valid until the server
      // revokes it, so the author stays signed in.
      return `Could not sign out. ${describeError(error)}`;
    }
  }
  signedOut();
  return null;
}
