// Identity of this browser tab, so that two tabs editing the same post keep
// separate local copies. The id lives in sessionStorage, which survives a
// reload of the tab but not its closing.

const tabKey = 'writekit:tab';
const heartbeatPrefix = 'writekit:tab-alive:';
const lockPrefix = 'writekit:tab:';

// Without Web Locks (pages served over plain HTTP to another host), a tab
// counts as alive while its heartbeat in localStorage is fresh. Chrome may
// run timers of a hidden tab only once a minute, hence the generous age.
const heartbeatIntervalMs = 20_000;
const heartbeatMaxAgeMs = 150_000;

function newTabId() {
  // crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function holdLock(name) {
  return new Promise((resolve) => {
    navigator.locks
      .request(name, { signal: AbortSignal.timeout(1000) }, () => {
        resolve(true);
        // The lock is held until the tab closes, which is what other tabs query.
        return new Promise(() => {});
      })
      .catch(() => resolve(false));
  });
}

async function claimWithLocks(storedId) {
  // A reload finds the lock of its previous page for a moment; a duplicated
  // tab finds it held for good and takes a new id.
  if (storedId && (await holdLock(lockPrefix + storedId))) {
    return storedId;
  }
  const id = newTabId();
  await holdLock(lockPrefix + id);
  return id;
}

function heartbeatAge(id) {
  const beat = Number(localStorage.getItem(heartbeatPrefix + id));
  return beat ? Date.now() - beat : Infinity;
}

function claimWithHeartbeat(storedId) {
  const id = storedId && heartbeatAge(storedId) > heartbeatMaxAgeMs ? storedId : newTabId();
  const beat = () => localStorage.setItem(heartbeatPrefix + id, String(Date.now()));
  beat();
  setInterval(beat, heartbeatIntervalMs);
  window.addEventListener('pagehide', () => localStorage.removeItem(heartbeatPrefix + id));
  window.addEventListener('pageshow', beat);
  return id;
}

async function claimTabId() {
  const storedId = sessionStorage.getItem(tabKey);
  const id = navigator.locks ? await claimWithLocks(storedId) : claimWithHeartbeat(storedId);
  sessionStorage.setItem(tabKey, id);
  return id;
}

/** Resolves to this tab's id once no other open tab uses it. */
export const tabIdReady = claimTabId();

/** Returns the ids of the tabs open now, this one included. */
export async function listLiveTabIds() {
  if (navigator.locks) {
    const { held } = await navigator.locks.query();
    return new Set(
      held.filter((lock) => lock.name.startsWith(lockPrefix)).map((lock) => lock.name.slice(lockPrefix.length)),
    );
  }
  const live = new Set();
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key.startsWith(heartbeatPrefix) && heartbeatAge(key.slice(heartbeatPrefix.length)) <= heartbeatMaxAgeMs) {
      live.add(key.slice(heartbeatPrefix.length));
    }
  }
  return live;
}
