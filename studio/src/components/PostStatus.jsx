import { formatTime } from '../time.js';

const statusLabels = { draft: 'Draft', scheduled: 'Scheduled', published: 'Published' };

/** Renders the status of a post as text, with its publication date when it has one. */
export function PostStatus({ post, status = post.status, publishedAt = post.published_at }) {
  const label = statusLabels[status] ?? status;
  const showDate = status !== 'draft' && publishedAt;
  return (
    <span className={`status status-${status}`}>
      {label}
      {showDate && (
        <>
          {' '}
          <time dateTime={publishedAt}>{status === 'scheduled' ? `for ${formatTime(publishedAt)}` : formatTime(publishedAt)}</time>
        </>
      )}
    </span>
  );
}
