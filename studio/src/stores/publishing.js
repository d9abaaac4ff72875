import { describeError } from '../api.js';
import { saveBody } from '../post-fields.js';
import { parseDatetimeLocalValue, toRfc3339Local } from '../time.js';
import { enqueueWrite, writeChanges } from './autosave.js';
import { $actionError, $conflict, $fields, $pendingStatus, $post } from './editor-state.js';

// Publish, schedule and unpublish. Each shows the change as pending until
// the server confirms it, and shows the reason when the server rejects
// it. Edits not saved yet go in the same request. A change requested
// while another is pending is ignored, so a double click sends one.

function changeStatus(change, failureText) {
  if ($conflict.get() || $pendingStatus.get()) {
    return Promise.resolve();
  }
  $pendingStatus.set(change);
  $actionError.set('');

  return enqueueWrite(async () => {
    const fields = $fields.get();
    const body = { ...(saveBody(fields, $post.get()) ?? {}), ...change };
    try {
      await writeChanges(body, fields);
    } catch (error) {
      $actionError.set(`${failureText} ${describeError(error)}`);
    } finally {
      $pendingStatus.set(null);
    }
  });
}

/** Publishes now; a post published before keeps its date unless it lies ahead. */
export function publishPost() {
  const post = $post.get();
  const change = { status: 'published' };
  if (!post.published_at || new Date(post.published_at) > new Date()) {
    change.published_at = toRfc3339Local(new Date());
  }
  return changeStatus(change, 'Could not publish.');
}

/** Schedules the post for the value of the datetime-local input, a local time ahead. */
export function schedulePost(publishAtValue) {
  const date = parseDatetimeLocalValue(publishAtValue);
  if (!date) {
    $actionError.set('Choose a date and time in Publish at first.');
    return Promise.resolve();
  }
  if (date <= new Date()) {
    $actionError.set('Publish at must be in the future. To publish now, use Publish.');
    return Promise.resolve();
  }
  return changeStatus({ status: 'scheduled', published_at: toRfc3339Local(date) }, 'Could not schedule.');
}

/** Makes the post a draft again; readers no longer see it. */
export function unpublishPost() {
  return changeStatus({ status: 'draft' }, 'Could not unpublish.');
}
