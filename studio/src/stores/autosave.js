import { apiRequest, ApiError, describeError, NetworkError } from '../api.js';
import { byteLength, changedFields, saveBody } from '../post-fields.js';
import { $session } from './session.js';
import {
  $conflict,
  $editor,
  $fieldErrors,
  $fields,
  $post,
  $saveState,
  acknowledgeSave,
  editorSession,
  enterConflict,
  hasUnsavedChanges,
  setSaveState,
  showMissingPost,
} from './editor-state.js';

// Saves the open post after a pause in typing, when the author leaves the
// page, and again every few seconds while the server is unreachable.
// All writes of the editor go through one queue, so a save never races a
// status change or a conflict resolution of the same post.

const pauseMs = 1000;
const offlineRetryMs = 2000;
const serverErrorRetryMs = 5000;

// Browsers reject a keepalive request whose body would take the pending
// keepalive bodies over 64 KiB; a larger change relies on the local copy.
const keepaliveMaxBytes = 60 * 1024;

let writeQueue = Promise.resolve();
let pauseTimer = null;
let retryTimer = null;
let saveQueued = null;

/** Runs a write after all writes queued before it. */
export function enqueueWrite(task) {
  const run = writeQueue.then(task);
  writeQueue = run.catch(() => {});
  return run;
}

/** Resolves once every queued write has finished. */
export function writesSettled() {
  return writeQueue;
}

/** Stops the pending save timers, when another post opens. */
export function cancelScheduledSaves() {
  clearTimeout(pauseTimer);
  clearTimeout(retryTimer);
  pauseTimer = null;
  retryTimer = null;
}

/** Records a change in the inputs and saves after the pause. */
export function noteChange() {
  const { state } = $saveState.get();
  if (state === 'conflict' || state === 'waiting') {
    // The local copy keeps the change. The author's choice in a conflict,
    // or the retry the server asked for, saves it.
    return;
  }
  if (state !== 'offline') {
    setSaveState(hasUnsavedChanges() ? 'dirty' : 'saved');
  }
  clearTimeout(pauseTimer);
  pauseTimer = setTimeout(() => saveNow(), pauseMs);
}

/**
 * Saves the inputs now, after the writes already queued. With `keepalive`,
 * the request outlives the page (when the author leaves it).
 */
export function saveNow({ keepalive = false } = {}) {
  clearTimeout(pauseTimer);
  clearTimeout(retryTimer);
  pauseTimer = null;
  retryTimer = null;
  if (saveQueued) {
    return saveQueued;
  }
  saveQueued = enqueueWrite(() => {
    saveQueued = null;
    return saveOnce(keepalive);
  });
  return saveQueued;
}

function overPostLimit(source) {
  const maxBytes = $session.get().limits?.max_post_size;
  const bytes = byteLength(source);
  return maxBytes && bytes > maxBytes ? { bytes, maxBytes } : null;
}

async function saveOnce(keepalive) {
  if ($editor.get().phase !== 'ready' || $conflict.get() || $session.get().state !== 'signed-in') {
    return;
  }
  const post = $post.get();
  const fields = $fields.get();
  const body = saveBody(fields, post);
  if (!body) {
    acknowledgeSave(post, fields);
    setSaveState('saved');
    return;
  }

  const tooLarge = overPostLimit(fields.source);
  if (tooLarge) {
    const message = `The markdown is ${tooLarge.bytes} bytes, over the limit of ${tooLarge.maxBytes} bytes.`;
    $fieldErrors.set({ ...$fieldErrors.get(), source: message });
    setSaveState('error', message);
    return;
  }

  await writeChanges(body, fields, {
    keepalive: keepalive && byteLength(JSON.stringify(body)) <= keepaliveMaxBytes,
  });
}

/**
 * Sends a PATCH built from `fields` and records the outcome in the save
 * indicator. Returns the updated post, or throws the error after handling
 * it (offline retry, conflict dialog or an error next to the field).
 */
export async function writeChanges(body, fields, { keepalive = false } = {}) {
  const post = $post.get();
  setSaveState('saving');
  try {
    const updated = await apiRequest('PATCH', `posts/${post.id}`, {
      body,
      revision: editorSession.baseRevision,
      keepalive,
    });
    const unsaved = acknowledgeSave(updated, fields);
    if (unsaved) {
      noteChange();
    } else {
      setSaveState('saved');
    }
    return updated;
  } catch (error) {
    handleSaveError(error);
    throw error;
  }
}

function retrySaveIn(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => saveNow(), ms);
}

function handleSaveError(error) {
  if (error instanceof NetworkError) {
    setSaveState('offline');
    retrySaveIn(offlineRetryMs);
    return;
  }
  if (!(error instanceof ApiError)) {
    setSaveState('error', describeError(error));
    return;
  }
  if (error.code === 'conflict' && error.post) {
    resolveOrEnterConflict(error.post);
    return;
  }
  if (error.status === 401) {
    setSaveState('error', 'Sign in again to save your changes; they are kept on this device.');
    return;
  }
  if (error.status === 404) {
    // Deleted by another tab or author: the editor offers the text as a new post.
    showMissingPost($post.get().id, 'This post was deleted on the server while you were editing it.', $fields.get());
    return;
  }
  if (error.status >= 500) {
    // The server's message, such as "the administrator has been told",
    // is for the blog's owner; the author learns the text is safe.
    const seconds = error.retryAfterSeconds ?? serverErrorRetryMs / 1000;
    const reason =
      error.status === 503
        ? 'the blog cannot store them right now.'
        : `the server failed to store them (HTTP status ${error.status}).`;
    setSaveState('waiting', reason, Date.now() + seconds * 1000);
    retrySaveIn(seconds * 1000);
    return;
  }

  const field = fieldOfError(error);
  if (field) {
    $fieldErrors.set({ ...$fieldErrors.get(), [field]: error.message });
  }
  setSaveState('error', error.message);
}

/**
 * Shows the conflict dialog, unless the server's newer revision has the
 * author's text already, as after a save sent with keepalive by the page
 * before a reload.
 */
function resolveOrEnterConflict(theirs) {
  const fields = $fields.get();
  if (changedFields(fields, theirs)) {
    enterConflict(theirs);
    return;
  }
  acknowledgeSave(theirs, fields);
  setSaveState('saved');
}

function fieldOfError(error) {
  if (error.field) {
    return error.field;
  }
  if (error.code === 'slug_taken') {
    return 'slug';
  }
  if (error.code === 'post_too_large' || error.code === 'render_limit') {
    return 'source';
  }
  return null;
}

/**
 * Saves with keepalive when the page is hidden or unloaded.
 * NOTE: a save still in flight at that moment makes this one wait, so it
 * may never start before the page goes; the local copy keeps the change.
 */
export function saveOnLeave() {
  if (hasUnsavedChanges() && !$conflict.get()) {
    saveNow({ keepalive: true });
  }
}

window.addEventListener('online', () => {
  if ($saveState.get().state === 'offline') {
    saveNow();
  }
});
window.addEventListener('pagehide', saveOnLeave);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    saveOnLeave();
  }
});
