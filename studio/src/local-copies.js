import { mountPath } from './paths.js';
import { listLiveTabIds, tabIdReady } from './tab.js';

// Local copies of posts with changes the server has not acknowledged yet,
// in localStorage under one key per author, post and tab:
//   writekit:copy:MOUNT:user-USER_ID:POST_ID:TAB_ID ->
//     {userId, postId, tabId, baseRevision, baseUpdatedAt, baseDigests,
//      fields, writtenAt}
// They are written synchronously on every change, so a reload, a closed
// tab or a server restart loses nothing, and removed once the server has
// acknowledged a save of exactly the state they contain. A copy is only
// ever read for the author who wrote it, so on a shared browser no author
// applies or saves another one's text.
// NOTE: copies written before they carried the author's id
// (writekit:copy:MOUNT:POST_ID:TAB_ID) are never applied; they stay in
// localStorage.

const keyPrefix = `writekit:copy:${mountPath}:`;

let tabId = null;
tabIdReady.then((id) => {
  tabId = id;
});

let ownerId = null;

/** Sets the author whose copies this tab reads and writes, at sign-in. */
export function setCopyOwner(userId) {
  ownerId = userId;
}

function ownerPrefix() {
  return `${keyPrefix}user-${ownerId}:`;
}

function copyKey(postId, ownerTabId) {
  return `${ownerPrefix()}${postId}:${ownerTabId}`;
}

function readCopy(key) {
  try {
    const copy = JSON.parse(localStorage.getItem(key));
    return copy && typeof copy.fields === 'object' && copy.userId === ownerId ? copy : null;
  } catch {
    return null;
  }
}

function listCopyKeys(postId = null) {
  const prefix = postId === null ? ownerPrefix() : `${ownerPrefix()}${postId}:`;
  const keys = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key.startsWith(prefix)) {
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Writes this tab's copy of a post, built on the revision `base`
 * ({revision, updatedAt, digests}, where digests are the base's field
 * digests). Returns false when localStorage rejects it (quota exceeded or
 * storage disabled).
 */
export function writeLocalCopy(postId, base, fields) {
  const copy = {
    userId: ownerId,
    postId,
    tabId,
    baseRevision: base.revision,
    baseUpdatedAt: base.updatedAt,
    baseDigests: base.digests,
    fields,
    writtenAt: Date.now(),
  };
  try {
    localStorage.setItem(copyKey(postId, tabId), JSON.stringify(copy));
    return true;
  } catch {
    return false;
  }
}

/** Removes this tab's copy of a post. */
export function removeLocalCopy(postId) {
  localStorage.removeItem(copyKey(postId, tabId));
}

/** Removes the author's copies of a post in every tab, once the post is deleted. */
export function removeAllLocalCopies(postId) {
  for (const key of listCopyKeys(postId)) {
    localStorage.removeItem(key);
  }
}

/** Returns the author's copies of every post in every tab, as [key, copy] pairs. */
export function listOwnCopies() {
  return listCopyKeys()
    .map((key) => [key, readCopy(key)])
    .filter(([, copy]) => copy);
}

/**
 * Returns this tab's copy of a post, else the newest copy left by a tab
 * that is closed now, which then becomes this tab's copy. Returns null when
 * there is neither; copies of other open tabs are never taken.
 */
export async function takeLocalCopy(postId) {
  await tabIdReady;
  const own = readCopy(copyKey(postId, tabId));
  if (own) {
    return own;
  }

  const liveTabs = await listLiveTabIds();
  let newest = null;
  let newestKey = null;
  for (const key of listCopyKeys(postId)) {
    const copy = readCopy(key);
    if (copy && !liveTabs.has(copy.tabId) && (!newest || copy.writtenAt > newest.writtenAt)) {
      newest = copy;
      newestKey = key;
    }
  }
  if (!newest) {
    return null;
  }

  // NOTE: older copies of other closed tabs stay. A later open of the post
  // in a tab with no copy of its own takes the next one, as a conflict or
  // applied.

  const base = { revision: newest.baseRevision, updatedAt: newest.baseUpdatedAt, digests: newest.baseDigests };
  if (!writeLocalCopy(postId, base, newest.fields)) {
    // The copy stays under the closed tab's key; it is still applied here.
    return newest;
  }
  localStorage.removeItem(newestKey);
  return { ...newest, tabId };
}
