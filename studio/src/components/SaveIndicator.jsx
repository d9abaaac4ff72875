import { useStore } from '@nanostores/react';
import { useEffect, useState } from 'react';
import { $saveState, $storageWarning } from '../stores/editor-state.js';

/**
 * Renders when a save is retried: a countdown on screen, and for screen
 * readers the time of the retry, which does not change every second.
 */
function RetryTime({ retryAt, now }) {
  const seconds = Math.ceil((retryAt - now) / 1000);
  if (seconds <= 0) {
    return 'Retrying…';
  }
  return (
    <>
      <span aria-hidden="true">Retrying in {seconds} s.</span>
      <span className="visually-hidden">Retrying at {new Date(retryAt).toLocaleTimeString()}.</span>
    </>
  );
}

function describeSaveState({ state, message, retryAt }, now) {
  switch (state) {
    case 'dirty':
      return 'Unsaved changes';
    case 'saving':
      return 'Saving…';
    case 'offline':
      return 'Offline: changes are kept on this device until the server is back';
    case 'waiting':
      return (
        <>
          Unsaved changes, safe on this device: {message} <RetryTime retryAt={retryAt} now={now} />
        </>
      );
    case 'conflict':
      return 'Conflict: the post changed on the server';
    case 'error':
      return `Save failed: ${message}`;
    default:
      return 'Saved';
  }
}

/**
 * Renders the save state as a live region, which screen readers announce.
 * Only the saved state starts with "Saved", and of the other texts only
 * "Unsaved changes" contains the word.
 */
export function SaveIndicator({ onResolveConflict }) {
  const save = useStore($saveState);
  const storageWarning = useStore($storageWarning);
  const now = useClock(save.state === 'waiting');

  return (
    <div className="save-indicator">
      <p role="status" className={`save-state save-${save.state}`}>
        {describeSaveState(save, now)}
      </p>
      {save.state === 'conflict' && (
        <button type="button" onClick={onResolveConflict}>
          Resolve conflict
        </button>
      )}
      {storageWarning && <p className="warning">{storageWarning}</p>}
    </div>
  );
}

/** Returns the time in ms, updated every second while `running`, for a countdown. */
function useClock(running) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!running) {
      return undefined;
    }
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}
