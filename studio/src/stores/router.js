import { atom, computed } from 'nanostores';
import { mountPath } from '../paths.js';

// Routes are history-API paths under the mount point: '' (posts),
// 'posts/ID' (editor), 'media' and 'settings'. A page may keep its state
// in the query string, such as the post list's status and page.

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

/** The query string of the current URL, such as '?status=draft', or ''. */
export const $routeSearch = atom(window.location.search);

export const $route = computed($routePath, parseRoute);

/** Returns the URL of a route path such as 'posts/3', with an optional query string. */
export function routeUrl(path, search = '') {
  return mountPath + path + search;
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

/**
 * Moves to a route path, with the query string `search` ('' for none),
 * without reloading the page, unless the author chooses to stay. A move to
 * the URL shown now, or with `replace`, adds no history entry.
 */
export function navigate(path, { search = '', replace = false } = {}) {
  if (path !== $routePath.get() && !mayLeave()) {
    return;
  }
  leaveWarning = null;
  const sameUrl = path === $routePath.get() && search === $routeSearch.get();
  if (replace || sameUrl) {
    window.history.replaceState(null, '', routeUrl(path, search));
  } else {
    window.history.pushState(null, '', routeUrl(path, search));
  }
  $routePath.set(path);
  $routeSearch.set(search);
}

window.addEventListener('popstate', () => {
  const path = currentRoutePath();
  if (path !== $routePath.get() && !mayLeave()) {
    // The browser has moved in its history already, so the page's own
    // URL goes back on top.
    window.history.pushState(null, '', routeUrl($routePath.get(), $routeSearch.get()));
    return;
  }
  if (path !== $routePath.get()) {
    leaveWarning = null;
  }
  $routePath.set(path);
  $routeSearch.set(window.location.search);
});

window.addEventListener('beforeunload', (event) => {
  if (leaveWarning !== null) {
    // Browsers show their own question, not this text.
    event.preventDefault();
    event.returnValue = leaveWarning;
  }
});
