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

/** Moves to a route path without reloading the page. */
export function navigate(path, { replace = false } = {}) {
  if (replace || path === $routePath.get()) {
    window.history.replaceState(null, '', routeUrl(path));
  } else {
    window.history.pushState(null, '', routeUrl(path));
  }
  $routePath.set(path);
}

window.addEventListener('popstate', () => {
  $routePath.set(currentRoutePath());
});
