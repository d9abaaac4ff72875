import { atom, computed } from 'nanostores';
import { mountPath } from '../paths.js';

// Routes are history-API paths under the mount point: '' (posts),
// 'posts/ID' (editor), 'media' and 'settings'.

function currentRoutePath() {
  const path = window.location.pathname;
  if (!path.startsWith(mountPath)) {
    return '';
  }
  return path.slice(mountPath.length).replace(/\/+$/, '');
}

function parseRoute(path) {
  if (path === '') {
    return { name: 'posts' };
  }
  const editor = /^posts\/(\d+)$/.exec(path);
  if (editor) {
    return { name: 'editor', postId: Number(editor[1]) };
  }
  if (path === 'media' || path === 'settings') {
    return { name: path };
  }
  return { name: 'not-found', path };
}

export const $routePath = atom(currentRoutePath());

export const $route = computed($routePath, parseRoute);

/** Returns the URL of a route path such as 'posts/3'. */
export function routeUrl(path) {
  return mountPath + path;
}

let leaveWarning = null;

/**
 * Sets the question asked before leaving the current page, such as for
 * unsaved changes, or removes it with null. The question is asked for
 * moves inside the studio, Back and Forward, and leaving the studio.
 */
export function setLeaveWarning(question) {
  leaveWarning = question;
}

// The browser's own confirm dialog is accessible to every user and stops
// the move until the author answers.
function mayLeave() {
  return leaveWarning === null || window.confirm(leaveWarning);
}

/** Moves to a route path without reloading the page, unless the author chooses to stay. */
export function navigate(path, { replace = false } = {}) {
  if (path !== $routePath.get() && !mayLeave()) {
    return;
  }
  leaveWarning = null;
  if (replace || path === $routePath.get()) {
    window.history.replaceState(null, '', routeUrl(path));
  } else {
    window.history.pushState(null, '', routeUrl(path));
  }
  $routePath.set(path);
}

window.addEventListener('popstate', () => {
  const path = currentRoutePath();
  if (path !== $routePath.get() && !mayLeave()) {
    // The browser has moved in its history already, so the page's own
    // URL goes back on top.
    window.history.pushState(null, '', routeUrl($routePath.get()));
    return;
  }
  leaveWarning = null;
  $routePath.set(path);
});

window.addEventListener('beforeunload', (event) => {
  if (leaveWarning !== null) {
    // Browsers show their own question, not this text.
    event.preventDefault();
    event.returnValue = leaveWarning;
  }
});
