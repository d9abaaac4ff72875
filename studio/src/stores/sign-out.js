import { apiRequest, toSentence } from '../api.js';
import { listOwnCopies } from '../local-copies.js';
import { changedFields } from '../post-fields.js';
import { saveNow, writesSettled } from './autosave.js';
import { $conflict, $editor, $fields, $saveState, hasUnsavedChanges } from './editor-state.js';
import { signOut } from './session.js';

// Signing out saves the open post first. Text the server does not have
// stays on this device only when the author chooses so. Copies of text
// the server has are removed, so the next person at this browser cannot
// read them.

// A save can end with new changes typed while it was in flight, so the
// open post gets this many saves before its unsaved text is reported.
const maxSaveRounds = 3;

function unsavedReason({ state, message }) {
  switch (state) {
    case 'offline':
      return 'The server could not be reached.';
    case 'waiting':
      return toSentence(message);
    case 'conflict':
      return 'Someone else saved this post meanwhile, and you have not chosen which version to keep.';
    case 'error':
      return toSentence(message);
    default:
      return 'The save has not finished.';
  }
}

/**
 * Saves the open post and waits for every queued write. Returns null when
 * the server has every change, else {title, reason} for the author.
 */
export async function saveBeforeSignOut() {
  for (let round = 0; round < maxSaveRounds; round++) {
    const editorOpen = $editor.get().phase === 'ready';
    if (!editorOpen || $conflict.get() || !hasUnsavedChanges()) {
      break;
    }
    saveNow();
    await writesSettled();
    if ($saveState.get().state !== 'dirty') {
      break;
    }
  }
  await writesSettled();

  const editorOpen = $editor.get().phase === 'ready';
  if (!editorOpen || (!$conflict.get() && !hasUnsavedChanges())) {
    return null;
  }
  return { title: $fields.get().title, reason: unsavedReason($saveState.get()) };
}

/** Removes the author's local copies whose text the server has. */
async function removeSavedCopies() {
  for (const [key, copy] of listOwnCopies()) {
    try {
      const post = await apiRequest('GET', `posts/${copy.postId}`);
      if (!changedFields(copy.fields, post)) {
        localStorage.removeItem(key);
      }
    } catch {
      // Kept: the server could not show that it has this text.
    }
  }
}

/**
 * Signs out, keeping only the local copies the server lacks. Returns null,
 * or the error message to show.
 */
export async function signOutKeepingUnsaved() {
  await removeSavedCopies();
  return signOut();
}
