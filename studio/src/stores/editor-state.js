import { atom } from 'nanostores';
import { changedFields, editableFields, fieldDigests, fieldsFromPost, sameFields } from '../post-fields.js';
import { removeLocalCopy, writeLocalCopy } from '../local-copies.js';

// State of the post open in the editor. The stores that change it are
// editor.js (open and type), autosave.js (save), publishing.js (status)
// and conflict.js (412 from the server).

/**
 * Loading phase: 'idle', 'loading', 'ready', 'missing' (404) or 'failed'.
 * A missing post comes with `unsavedFields`, the author's text that only
 * this device has, or null.
 */
export const $editor = atom({ phase: 'idle', postId: null, loadError: '' });

/** The post as the server last acknowledged it. */
export const $post = atom(null);

/** The editor's inputs: title, slug, tags (comma-separated), description, source. */
export const $fields = atom(null);

/**
 * Save indicator: `state` is 'saved', 'dirty', 'saving', 'offline',
 * 'waiting' (the server failed, a retry is due at `retryAt`, a time in
 * ms), 'conflict' or 'error'. `message` explains an error or a wait.
 */
export const $saveState = atom({ state: 'saved', message: '', retryAt: null });

/** Server errors by API field name, shown next to the input. */
export const $fieldErrors = atom({});

/** A status change sent but not confirmed by the server yet: {status, published_at}. */
export const $pendingStatus = atom(null);

/** The error of the last publish, schedule or unpublish, rolled back. */
export const $actionError = atom('');

/** A 412 conflict: {theirs, mineRevision, busy, error}, or null. */
export const $conflict = atom(null);

/** Set when localStorage rejects the local copy (full or disabled). */
export const $storageWarning = atom('');

// baseRevision is the revision the inputs build on, and baseUpdatedAt its
// updated_at. They differ from $post's only during a conflict, where the
// local copy must keep its old base so that a reload finds the same
// conflict. acknowledged is the field state the server last accepted.
// baseDigests are the digests of the base's fields, which tell a conflict
// which fields the author changed (post-fields.js, mergeFields).
export const editorSession = { baseRevision: null, baseUpdatedAt: null, baseDigests: null, acknowledged: null };

/** Makes a post's revision, whose field state is `fields`, the base of the inputs. */
function setBase(post, fields) {
  editorSession.baseRevision = post.revision;
  editorSession.baseUpdatedAt = post.updated_at;
  editorSession.baseDigests = fieldDigests(fields);
}

export function setSaveState(state, message = '', retryAt = null) {
  $saveState.set({ state, message, retryAt });
}

/** Returns whether the inputs contain changes the server has not acknowledged. */
export function hasUnsavedChanges() {
  const fields = $fields.get();
  return fields !== null && editorSession.acknowledged !== null && !sameFields(fields, editorSession.acknowledged);
}

// Writing the local copy of a large post on every keystroke costs about
// 10 ms each in a 1 MiB post (JSON and localStorage), so typing writes it
// at most this often. Leaving or hiding the page and closing the editor
// write a pending copy at once.
// NOTE: a keystroke in a 1 MiB post still takes well over 100 ms in
// headless Chromium 156, mostly the browser's own textarea layout and the
// preview. A bare textarea with the same text takes about as long.
const copyIntervalMs = 300;
let copyTimer = null;

/**
 * Writes the inputs to this tab's local copy, or removes the copy when the
 * inputs equal what the server has.
 */
export function persistLocalCopy() {
  clearTimeout(copyTimer);
  copyTimer = null;
  const post = $post.get();
  const fields = $fields.get();
  if (!post || !fields) {
    return;
  }
  if (!$conflict.get() && !changedFields(fields, post)) {
    removeLocalCopy(post.id);
    return;
  }
  const base = {
    revision: editorSession.baseRevision,
    updatedAt: editorSession.baseUpdatedAt,
    digests: editorSession.baseDigests,
  };
  if (writeLocalCopy(post.id, base, fields)) {
    $storageWarning.set('');
  } else {
    $storageWarning.set('This browser does not let the studio keep a local copy, so changes not saved yet are lost if the tab closes.');
  }
}

/** Writes the local copy within copyIntervalMs, unless a write is pending already. */
export function scheduleLocalCopy() {
  if (copyTimer === null) {
    copyTimer = setTimeout(persistLocalCopy, copyIntervalMs);
  }
}

/** Writes a pending local copy now. */
export function flushLocalCopy() {
  if (copyTimer !== null) {
    persistLocalCopy();
  }
}

window.addEventListener('pagehide', flushLocalCopy);
window.addEventListener('beforeunload', flushLocalCopy);
document.addEventListener('visibilitychange', flushLocalCopy);

/** Shows a post that is the new base of the editor and drops the local copy. */
export function adoptPost(post) {
  const fields = fieldsFromPost(post);
  $post.set(post);
  $fields.set(fields);
  setBase(post, fields);
  editorSession.acknowledged = fields;
  removeLocalCopy(post.id);
}

// The server normalizes slugs ("My Slug" becomes "my-slug") and removes
// duplicate tags. The inputs take the server's values unless the author
// has changed them since the save was sent.
const normalizedByServer = ['slug', 'tags'];

/**
 * Records a save the server acknowledged: `sent` is the field state the
 * request was built from. Returns whether changes made since are unsaved.
 */
export function acknowledgeSave(updated, sent) {
  const current = $fields.get();
  const serverFields = fieldsFromPost(updated);
  const stillDifferent = changedFields(current, updated) ?? {};
  const next = { ...current };
  const acknowledged = { ...sent };
  for (const name of normalizedByServer) {
    if (name in stillDifferent && current[name] === sent[name]) {
      next[name] = serverFields[name];
      acknowledged[name] = serverFields[name];
    }
  }

  $post.set(updated);
  $fields.set(next);
  setBase(updated, acknowledged);
  editorSession.acknowledged = acknowledged;

  const errors = { ...$fieldErrors.get() };
  for (const name of editableFields) {
    delete errors[name];
  }
  $fieldErrors.set(errors);

  persistLocalCopy();
  return hasUnsavedChanges();
}

/** Shows the conflict dialog for a post that changed on the server. */
export function enterConflict(theirs) {
  $post.set(theirs);
  $conflict.set({ theirs, mineRevision: null, busy: false, error: '' });
  setSaveState('conflict');
  persistLocalCopy();
}

/** Shows that the post does not exist on the server, with the author's unsaved fields if any. */
export function showMissingPost(postId, message, unsavedFields = null) {
  $editor.set({ phase: 'missing', postId, loadError: message, unsavedFields });
}
