import { useStore } from '@nanostores/react';
import { useId, useState } from 'react';
import { $actionError, $conflict, $pendingStatus, $post } from '../stores/editor-state.js';
import { publishPost, schedulePost, unpublishPost } from '../stores/publishing.js';
import { toDatetimeLocalValue } from '../time.js';
import { PostStatus } from './PostStatus.jsx';

/** Status of the open post, with publish, schedule, unpublish and delete. */
export function PublishControls({ onDelete }) {
  const post = useStore($post);
  const pending = useStore($pendingStatus);
  const actionError = useStore($actionError);
  const conflict = useStore($conflict);
  const publishAtId = useId();
  const [publishAt, setPublishAt] = useState(() =>
    post.status === 'scheduled' ? toDatetimeLocalValue(post.published_at) : '',
  );

  // A change the server has not confirmed yet shows at once.
  const status = pending?.status ?? post.status;
  const publishedAt = pending?.published_at ?? post.published_at;
  const blocked = Boolean(conflict);

  return (
    <section className="publishing" aria-label="Publishing">
      <p className="current-status">
        <PostStatus post={post} status={status} publishedAt={publishedAt} />
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
          <button type="button" className="primary" disabled={blocked} onClick={publishPost}>
            Publish
          </button>
        )}
        {status !== 'draft' && (
          <button type="button" disabled={blocked} onClick={unpublishPost}>
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
          <button type="button" disabled={blocked} onClick={() => schedulePost(publishAt)}>
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
