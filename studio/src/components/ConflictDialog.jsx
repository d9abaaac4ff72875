import { useStore } from '@nanostores/react';
import { useId } from 'react';
import { fieldsChangedFromBase, fieldsFromPost } from '../post-fields.js';
import { $conflict, $fields, editorSession } from '../stores/editor-state.js';
import { keepMine, keepTheirs } from '../stores/conflict.js';
import { formatTime } from '../time.js';
import { Dialog } from './Dialog.jsx';

const otherFields = [
  { name: 'slug', label: 'Slug' },
  { name: 'tags', label: 'Tags' },
  { name: 'description', label: 'Description' },
];

const fieldLabels = {
  title: 'Title',
  ...Object.fromEntries(otherFields.map(({ name, label }) => [name, label])),
  source: 'Markdown',
};

/** Joins labels as "A", "A and B" or "A, B and C". */
function joinLabels(labels) {
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : labels[0];
}

function Version({ heading, fields, differing }) {
  const headingId = useId();
  return (
    <section className="version" aria-labelledby={headingId}>
      <h3 id={headingId}>{heading}</h3>
      <p className="version-title">{fields.title}</p>
      {differing.map(({ name, label }) => (
        <p key={name} className="version-field">
          {label}: {fields[name] || '(empty)'}
        </p>
      ))}
      <pre className="version-source">{fields.source}</pre>
    </section>
  );
}

/** Shows the author's and the server's version of a post side by side. */
export function ConflictDialog({ onClose }) {
  const conflict = useStore($conflict);
  const mine = useStore($fields);
  const theirs = fieldsFromPost(conflict.theirs);
  const differing = otherFields.filter(({ name }) => mine[name] !== theirs[name]);
  const changedByMe = fieldsChangedFromBase(mine, editorSession.baseDigests);
  const keptFromTheirs = Object.keys(fieldLabels).filter(
    (name) => !changedByMe.includes(name) && mine[name] !== theirs[name],
  );

  return (
    <Dialog title="Conflict" onClose={onClose} className="conflict-dialog">
      <p>
        Someone saved this post (revision {conflict.theirs.revision}, {formatTime(conflict.theirs.updated_at)}) after
        your version was started. Choose the version to keep. The other one stays in the post's revision history,
        under Revision history.
      </p>
      {keptFromTheirs.length > 0 && (
        <p>
          Keep mine also keeps the server version's {joinLabels(keptFromTheirs.map((name) => fieldLabels[name]))},
          which you did not change.
        </p>
      )}
      <div className="versions">
        <Version heading="Your version" fields={mine} differing={differing} />
        <Version heading="Server version" fields={theirs} differing={differing} />
      </div>
      {conflict.error && (
        <p role="alert" className="form-error">
          {conflict.error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="primary" disabled={conflict.busy} onClick={keepMine}>
          Keep mine
        </button>
        <button type="button" disabled={conflict.busy} onClick={keepTheirs}>
          Keep theirs
        </button>
      </div>
    </Dialog>
  );
}
