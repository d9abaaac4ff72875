import { apiRequest, ApiError, describeError } from '../api.js';
import { changedFields, fieldsFromPost, mergeFields } from '../post-fields.js';
import { enqueueWrite } from './autosave.js';
import {
  $conflict,
  $fields,
  $post,
  acknowledgeSave,
  adoptPost,
  editorSession,
  setSaveState,
} from './editor-state.js';

// Resolves a 412 conflict so that both versions stay in the post's
// revision history. "Keep mine" saves the author's version on top of the
// server's revision, with the server's values of the fields the author
// did not change. "Keep theirs" saves the author's version as it is and
// then restores the server's revision on top of that.

function updateConflict(changes) {
  $conflict.set({ ...$conflict.get(), ...changes });
}

function failResolution(error) {
  if (error instanceof ApiError && error.code === 'conflict' && error.post) {
    updateConflict({
      theirs: error.post,
      mineRevision: null,
      busy: false,
      error: 'The server version changed again. Compare the two versions once more.',
    });
    $post.set(error.post);
    return;
  }
  updateConflict({ busy: false, error: describeError(error) });
}

/** Saves the author's version on top of the server's and returns the post. */
async function saveMineOnTheirs(theirs, mine) {
  const body = changedFields(mine, theirs);
  if (!body) {
    return theirs;
  }
  const saved = await apiRequest('PATCH', `posts/${theirs.id}`, { body, revision: theirs.revision });
  updateConflict({ mineRevision: saved.revision });
  return saved;
}

/**
 * Keeps the author's version merged with the server's changes to the
 * fields the author left alone: it becomes the newest revision.
 */
export function keepMine() {
  updateConflict({ busy: true, error: '' });
  return enqueueWrite(async () => {
    const { theirs } = $conflict.get();
    const mine = mergeFields($fields.get(), fieldsFromPost(theirs), editorSession.baseDigests);
    try {
      const saved = await saveMineOnTheirs(theirs, mine);
      $conflict.set(null);
      $fields.set(mine);
      acknowledgeSave(saved, mine);
      setSaveState('saved');
    } catch (error) {
      failResolution(error);
    }
  });
}

/**
 * Keeps the server's version, after saving the author's as a revision so
 * the revision history still has it.
 */
export function keepTheirs() {
  updateConflict({ busy: true, error: '' });
  return enqueueWrite(async () => {
    const { theirs, mineRevision } = $conflict.get();
    const mine = $fields.get();
    try {
      // A retry after a failed restore finds the author's version saved already.
      const baseRevision = mineRevision ?? (await saveMineOnTheirs(theirs, mine)).revision;
      const restored =
        baseRevision === theirs.revision
          ? theirs
          : await apiRequest('POST', `posts/${theirs.id}/revisions/${theirs.revision}/restore`, {
              revision: baseRevision,
            });
      $conflict.set(null);
      adoptPost(restored);
      setSaveState('saved');
    } catch (error) {
      failResolution(error);
    }
  });
}
