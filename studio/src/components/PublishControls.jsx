import { useStore } from '@nanostores/react';
import { useId, useState } from 'react';
import { $actionError, $conflict, $pendingStatus, $post } from '../stores/editor-state.js';
import { publishPost, schedulePost, unpublishPost } from '../stores/publishing.js';
import { toDatetimeLocalValue } from '../time.js';
import { PostStatus } from './PostStatus.jsx';

const pendingLabels = { published: 'publishing…', scheduled: 'scheduling…', draft: 'unpublishing…' };

/**
 * Status of the open post, with publish, schedule, unpublish and delete.
 * The buttons follow the status the server confirmed, so none changes
 * meaning under the pointer while a change is in flight, and they ignore
 * clicks until it is done and the second click of a double click.
 */
export function PublishControls({ onDelete }) {
  const post = useStore($post);
  const pending = useStore($pendingStatus);
  const actionError = useStore($actionError);
  const conflict = useStore($conflict);
  const publishAtId = useId();
  const [publishAt, setPublishAt] = useState(() =>
    post.status === 'scheduled' ? toDatetimeLocalValue(post.published_at) : '',
  );

  const status = post.status;
  const blocked = Boolean(conflict);

  function statusAction(action) {
    return (event) => {
      if (event.detail > 1 || $pendingStatus.get()) {
        return;
      }
      action();
    };
  }

  return (
    <section className="publishing" aria-label="Publishing">
      <p className="current-status">
        <PostStatus post={post} />
        {pending && <span className="pending-status"> – {pendingLabels[pending.status]}</span>}
        {status === 'published' && post.url && (
          <>
            {' '}
            <a href={post.url} target="_blank" rel="noopener">
              View post
            </a>
          </>
        )}
      </p>

      <div className="publish-actions">
        {status !== 'published' && (
          <button
            type="button"
            className="primary"
            disabled={blocked}
            aria-disabled={pending ? 'true' : undefined}
            onClick={statusAction(publishPost)}
          >
            Publish
          </button>
        )}
        {status !== 'draft' && (
          <button
            type="button"
            disabled={blocked}
            aria-disabled={pending ? 'true' : undefined}
            onClick={statusAction(unpublishPost)}
          >
            Unpublish
          </button>
        )}
        <span className="schedule">
          <label htmlFor={publishAtId}>Publish at</label>
          <input
            id={publishAtId}
            type="datetime-local"
            value={publishAt}
            onChange={(event) => setPublishAt(event.target.value)}
          />
          <button
            type="button"
            disabled={blocked}
            aria-disabled={pending ? 'true' : undefined}
            onClick={statusAction(() => schedulePost(publishAt))}
          >
            Schedule
          </button>
        </span>
        <button type="button" className="danger" onClick={onDelete}>
          Delete
        </button>
      </div>

      {actionError && (
        <p role="alert" className="form-error">
          {actionError}
        </p>
      )}
    </section>
  );
}
