import { atom } from 'nanostores';
import { apiRequest, ApiError, describeError } from '../api.js';
import { removeAllLocalCopies } from '../local-copies.js';
import { writesSettled } from './autosave.js';
import { navigate } from './router.js';

// The posts list: filter, search, pages, and optimistic deletes. The
// status and the page live in the URL's query string, such as
// ?status=draft&page=2, so a reload and Back keep them.

const perPage = 20;
const statuses = ['draft', 'scheduled', 'published'];

/** `status` is '' (all), 'draft', 'scheduled' or 'published'; `q` searches titles. */
export const $postFilter = atom({ status: '', q: '', page: 1 });

export const $postList = atom({ posts: [], total: 0, page: 1, perPage, loading: false, error: '' });

/** The error of the last delete, shown above the list after a rollback. */
export const $deleteError = atom('');

// Posts whose delete is in flight stay hidden from lists loaded meanwhile.
const deletesInFlight = new Set();

let listController = null;

/**
 * Loads the page of posts that the filter selects, once the editor's
 * queued writes are done, so that a change saved on leaving the editor
 * is in the list.
 */
export async function loadPosts() {
  listController?.abort();
  const controller = new AbortController();
  listController = controller;
  $postList.set({ ...$postList.get(), loading: true, error: '' });
  await writesSettled();
  if (controller.signal.aborted) {
    return;
  }

  const { status, q, page } = $postFilter.get();
  const query = new URLSearchParams({ page: String(page), per_page: String(perPage) });
  if (status) {
    query.set('status', status);
  }
  if (q.trim()) {
    query.set('q', q.trim());
  }

  try {
    const data = await apiRequest('GET', `posts?${query}`, { signal: controller.signal });
    $postList.set({
      posts: data.posts.filter((post) => !deletesInFlight.has(post.id)),
      total: data.total,
      page: data.page,
      perPage: data.per_page,
      loading: false,
      error: '',
    });
  } catch (error) {
    if (error.name !== 'AbortError') {
      $postList.set({ ...$postList.get(), loading: false, error: describeError(error) });
    }
  }
}

/** Reads the status and page of the list from a query string, ignoring invalid values. */
export function filterFromSearch(search) {
  const query = new URLSearchParams(search);
  const status = statuses.includes(query.get('status')) ? query.get('status') : '';
  const page = /^[1-9]\d{0,8}$/.test(query.get('page') ?? '') ? Number(query.get('page')) : 1;
  return { status, page };
}

function searchFromFilter({ status, page }) {
  const query = new URLSearchParams();
  if (status) {
    query.set('status', status);
  }
  if (page > 1) {
    query.set('page', String(page));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Shows the list for the status and page of a query string, keeping the search. */
export function showPostsFromSearch(search) {
  $postFilter.set({ ...$postFilter.get(), ...filterFromSearch(search) });
  return loadPosts();
}

/**
 * Changes the filter and reloads; a new status or search goes back to
 * page 1. A new status or page is a new entry in the browser's history.
 */
export function setPostFilter(changes) {
  const page = 'page' in changes ? changes.page : 1;
  const filter = { ...$postFilter.get(), ...changes, page };
  $postFilter.set(filter);
  navigate('', { search: searchFromFilter(filter), replace: 'q' in changes });
  return loadPosts();
}

/** Creates a draft titled "Untitled" and returns it. */
export function createPost() {
  return apiRequest('POST', 'posts', { body: { title: 'Untitled' } });
}

/**
 * Deletes a post at the revision the author saw. It leaves the list at
 * once and comes back, with the reason above the list, if the server
 * refuses.
 */
export async function deletePost(post) {
  const list = $postList.get();
  const index = list.posts.findIndex((item) => item.id === post.id);
  deletesInFlight.add(post.id);
  $deleteError.set('');
  if (index !== -1) {
    $postList.set({ ...list, posts: list.posts.filter((item) => item.id !== post.id), total: list.total - 1 });
  }

  try {
    await apiRequest('DELETE', `posts/${post.id}`, { revision: post.revision });
    removeAllLocalCopies(post.id);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) {
      restorePost(error.post ?? post, index);
      $deleteError.set(describeDeleteFailure(post, error));
    }
  } finally {
    deletesInFlight.delete(post.id);
  }
}

function restorePost(post, index) {
  const list = $postList.get();
  if (index === -1) {
    // The post was not on the page shown, such as a delete from the editor.
    loadPosts();
    return;
  }
  if (list.posts.some((item) => item.id === post.id)) {
    return;
  }
  const posts = [...list.posts];
  posts.splice(Math.min(index, posts.length), 0, post);
  $postList.set({ ...list, posts, total: list.total + 1 });
}

function describeDeleteFailure(post, error) {
  if (error instanceof ApiError && error.code === 'conflict') {
    return `“${post.title}” was not deleted: it changed on the server since you saw it. Check it and delete it again.`;
  }
  return `“${post.title}” was not deleted. ${describeError(error)}`;
}
