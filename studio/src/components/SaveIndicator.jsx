import { useStore } from '@nanostores/react';
import { $saveState, $storageWarning } from '../stores/editor-state.js';

function describeSaveState({ state, message }) {
  switch (state) {
    case 'dirty':
      return 'Unsaved changes';
    case 'saving':
      return 'Saving…';
    case 'offline':
      return 'Offline: changes are kept on this device until the server is back';
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

  return (
    <div className="save-indicator">
      <p role="status" className={`save-state save-${save.state}`}>
        {describeSaveState(save)}
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
