import { apiRequest, ApiError, describeError, NetworkError } from '../api.js';
import { changedFields, parseTags } from '../post-fields.js';
import { removeAllLocalCopies, removeLocalCopy, takeLocalCopy } from '../local-copies.js';
import { cancelScheduledSaves, noteChange, saveNow, writesSettled } from './autosave.js';
import { deletePost } from './posts.js';
import { resetPreview } from './preview.js';
import {
  $actionError,
  $conflict,
  $editor,
  $fieldErrors,
  $fields,
  $pendingStatus,
  $post,
  $storageWarning,
  adoptPost,
  editorSession,
  enterConflict,
  flushLocalCopy,
  persistLocalCopy,
  scheduleLocalCopy,
  setSaveState,
  showMissingPost,
} from './editor-state.js';

const loadRetryMs = 2000;

let loadRetryTimer = null;
let openedPostId = null;

function resetEditor(postId) {
  flushLocalCopy();
  cancelScheduledSaves();
  resetPreview();
  clearTimeout(loadRetryTimer);
  $editor.set({ phase: 'loading', postId, loadError: '' });
  $post.set(null);
  $fields.set(null);
  $fieldErrors.set({});
  $pendingStatus.set(null);
  $actionError.set('');
  $conflict.set(null);
  $storageWarning.set('');
  editorSession.baseRevision = null;
  editorSession.baseUpdatedAt = null;
  editorSession.baseDigests = null;
  editorSession.acknowledged = null;
  setSaveState('saved');
}

/**
 * Applies the local copy of a post that was opened: saved at once when it
 * builds on the server's revision, shown as a conflict when the server
 * has moved on since.
 */
function applyLocalCopy(copy, post) {
  if (!changedFields(copy.fields, post)) {
    removeLocalCopy(post.id);
    return;
  }
  editorSession.baseRevision = copy.baseRevision;
  editorSession.baseUpdatedAt = copy.baseUpdatedAt;
  // Copies written before they carried digests merge no field in a conflict.
  editorSession.baseDigests = copy.baseDigests ?? null;
  $fields.set(copy.fields);
  // SQLite may give a new post the id of a deleted one, so the revision's
  // time must match too before the copy counts as built on this post.
  if (copy.baseRevision === post.revision && copy.baseUpdatedAt === post.updated_at) {
    persistLocalCopy();
    setSaveState('saving');
    saveNow();
    return;
  }
  enterConflict(post);
}

/**
 * Opens a post in the editor, after the writes of the post open before
 * have finished, and retries while the server is unreachable.
 */
export async function openPost(postId) {
  openedPostId = postId;
  await writesSettled();
  if (openedPostId !== postId) {
    return;
  }
  resetEditor(postId);

  let post;
  try {
    post = await apiRequest('GET', `posts/${postId}`);
  } catch (error) {
    if (openedPostId === postId) {
      await showLoadError(postId, error);
    }
    return;
  }
  const copy = await takeLocalCopy(postId);
  if (openedPostId !== postId) {
    return;
  }

  adoptPost(post);
  $editor.set({ phase: 'ready', postId, loadError: '' });
  if (copy) {
    applyLocalCopy(copy, post);
  }
}

async function showLoadError(postId, error) {
  if (error instanceof ApiError && error.status === 404) {
    const copy = await takeLocalCopy(postId);
    showMissingPost(postId, 'This post does not exist on the server. It may have been deleted.', copy?.fields);
    return;
  }
  $editor.set({ phase: 'failed', postId, loadError: describeError(error) });
  if (error instanceof NetworkError || error.status >= 500) {
    loadRetryTimer = setTimeout(() => openPost(postId), loadRetryMs);
  }
}

/**
 * Creates a new post from the fields kept for a deleted one, drops the
 * deleted post's local copies, and returns the new post.
 */
export async function saveAsNewPost(deletedPostId, fields) {
  const post = await apiRequest('POST', 'posts', {
    body: {
      title: fields.title.trim() || 'Untitled',
      description: fields.description,
      source: fields.source,
      tags: parseTags(fields.tags),
    },
  });
  removeAllLocalCopies(deletedPostId);
  return post;
}

/** Stops loading retries when the editor closes; pending saves go on. */
export function closeEditor() {
  flushLocalCopy();
  openedPostId = null;
  clearTimeout(loadRetryTimer);
}

/** Applies one input change: the local copy within a moment, then the delayed save. */
export function editField(name, value) {
  if ($editor.get().phase !== 'ready') {
    return;
  }
  $fields.set({ ...$fields.get(), [name]: value });
  if (name in $fieldErrors.get()) {
    const errors = { ...$fieldErrors.get() };
    delete errors[name];
    $fieldErrors.set(errors);
  }
  scheduleLocalCopy();
  noteChange();
}

/** Inserts text into the markdown, replacing the range from start to end. */
export function insertIntoSource(text, start, end) {
  const source = $fields.get()?.source;
  if (source === undefined) {
    return;
  }
  editField('source', source.slice(0, start) + text + source.slice(end));
}

/**
 * Deletes the open post, dropping its unsaved changes, at the revision
 * the server has once queued saves are done.
 */
export async function deleteOpenPost() {
  // Saves do nothing outside the 'ready' phase, so none starts from now on.
  closeEditor();
  cancelScheduledSaves();
  $editor.set({ phase: 'idle', postId: null, loadError: '' });
  await writesSettled();
  const post = $post.get();
  await deletePost({ id: post.id, title: post.title, revision: post.revision });
}
