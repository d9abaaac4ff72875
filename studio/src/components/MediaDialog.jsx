import { libraryImageMarkdown } from '../stores/media.js';
import { Dialog } from './Dialog.jsx';
import { MediaBrowser } from './MediaBrowser.jsx';

/** Lists the blog's images; Insert puts one into the markdown at the cursor, on lines of its own. */
export function MediaDialog({ onInsert, onClose, returnFocus }) {
  return (
    <Dialog title="Media library" onClose={onClose} returnFocus={returnFocus} className="media-dialog">
      <MediaBrowser
        perPage={12}
        emptyText="No images yet. Drop or paste one into the editor to upload it."
        renderAction={(item, captionId) => (
          <button type="button" aria-describedby={captionId} onClick={() => onInsert(libraryImageMarkdown(item))}>
            Insert
          </button>
        )}
      />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
