import { atom } from 'nanostores';
import { apiRequest, ApiError, describeError } from '../api.js';
import { enqueueWrite, saveNow, writesSettled } from './autosave.js';
import { $conflict, $post, adoptPost, hasUnsavedChanges, setSaveState } from './editor-state.js';

// The earlier revisions of the open post, reading one, and restoring one
// of them. A restore makes a new revision, so the text it replaces stays
// listed.

/**
 * The revision list: `list` contains {revision, title, saved_at}, newest
 * first, `current` is the post's revision and `shown` the revision whose
 * text the author opened ({revision, title, source}) or null.
 */
export const $revisions = atom({
  postId: null,
  list: [],
  current: null,
  loading: false,
  restoring: null,
  shown: null,
  error: '',
});

function update(changes) {
  $revisions.set({ ...$revisions.get(), ...changes });
}

/** Loads the revision list of the open post. */
export async function loadRevisions() {
  const postId = $post.get().id;
  update({ postId, loading: true, shown: null, error: '' });
  try {
    const data = await apiRequest('GET', `posts/${postId}/revisions`);
    if ($revisions.get().postId === postId) {
      update({ list: data.revisions, current: data.current, loading: false });
    }
  } catch (error) {
    update({ loading: false, error: `Could not load the revisions. ${describeError(error)}` });
  }
}

/** Loads the text of revision `number` of the open post, to read before restoring it. */
export async function showRevision(number) {
  const postId = $post.get().id;
  update({ error: '' });
  try {
    const data = await apiRequest('GET', `posts/${postId}/revisions/${number}`);
    if ($revisions.get().postId === postId) {
      update({ shown: { revision: data.revision, title: data.title, source: data.source } });
    }
  } catch (error) {
    update({ error: `Could not load revision ${number}. ${describeError(error)}` });
  }
}

function describeRestoreFailure(error) {
  if (error instanceof ApiError && error.code === 'conflict') {
    return 'The post changed on the server meanwhile. The editor shows the newest version now; choose a revision again.';
  }
  return `Could not restore the revision. ${describeError(error)}`;
}

async function sendRestore(number) {
  const post = $post.get();
  try {
    adoptPost(await apiRequest('POST', `posts/${post.id}/revisions/${number}/restore`, { revision: post.revision }));
    setSaveState('saved');
    update({ restoring: null });
    return true;
  } catch (error) {
    update({ restoring: null, error: describeRestoreFailure(error) });
    if (error instanceof ApiError && error.code === 'conflict' && error.post) {
      adoptPost(error.post);
      loadRevisions();
    }
    return false;
  }
}

/**
 * Restores revision `number` of the open post as its newest revision,
 * after saving the author's pending changes so that they stay in the
 * history too. Returns whether the revision was restored.
 */
export async function restoreRevision(number) {
  update({ restoring: number, error: '' });
  if (hasUnsavedChanges() && !$conflict.get()) {
    saveNow();
  }
  await writesSettled();
  if ($conflict.get() || hasUnsavedChanges()) {
    update({
      restoring: null,
      error: 'Your latest changes are not saved on the server yet, so no revision was restored. Try again once the indicator says Saved.',
    });
    return false;
  }
  return enqueueWrite(() => sendRestore(number));
}
