import { useStore } from '@nanostores/react';
import { useEffect } from 'react';
import { $revisions, loadRevisions, restoreRevision, showRevision } from '../stores/revisions.js';
import { formatTime } from '../time.js';
import { Dialog } from './Dialog.jsx';

/** Lists the open post's earlier revisions, newest first, each with Show and Restore buttons. */
export function RevisionsDialog({ onClose }) {
  const revisions = useStore($revisions);

  useEffect(() => {
    loadRevisions();
  }, []);

  async function handleRestore(number) {
    if (await restoreRevision(number)) {
      onClose();
    }
  }

  return (
    <Dialog title="Revision history" onClose={onClose} className="revisions-dialog">
      <p>
        Restoring a revision makes it the newest one, so the current text stays in this list too. Show opens a
        revision's text here without changing the post.
      </p>
      {revisions.error && (
        <p role="alert" className="form-error">
          {revisions.error}
        </p>
      )}
      {revisions.loading && revisions.list.length === 0 && <p>Loading revisions…</p>}
      {!revisions.loading && !revisions.error && revisions.list.length === 0 && (
        <p className="empty">No earlier revisions yet.</p>
      )}
      <ol className="revision-list" aria-busy={revisions.loading}>
        {revisions.list.map((item) => (
          <li key={item.revision}>
            <span className="revision-name">
              <strong>Revision {item.revision}</strong> {item.title}
            </span>
            <time dateTime={item.saved_at}>{formatTime(item.saved_at)}</time>
            <button
              type="button"
              aria-label={`Show revision ${item.revision}`}
              aria-pressed={revisions.shown?.revision === item.revision}
              onClick={() => showRevision(item.revision)}
            >
              Show
            </button>
            <button
              type="button"
              aria-label={`Restore revision ${item.revision}`}
              aria-busy={revisions.restoring === item.revision}
              disabled={revisions.restoring !== null}
              onClick={() => handleRestore(item.revision)}
            >
              Restore
            </button>
          </li>
        ))}
      </ol>
      {revisions.shown && (
        <section className="revision-text" aria-label={`Revision ${revisions.shown.revision}`}>
          <h3>
            Revision {revisions.shown.revision}: {revisions.shown.title}
          </h3>
          <pre>{revisions.shown.source}</pre>
        </section>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
