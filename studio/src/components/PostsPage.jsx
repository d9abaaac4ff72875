import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api.js';
import { $routeSearch, navigate } from '../stores/router.js';
import {
  $deleteError,
  $postFilter,
  $postList,
  createPost,
  deletePost,
  filterFromSearch,
  setPostFilter,
  showPostsFromSearch,
} from '../stores/posts.js';
import { ConfirmDialog } from './Dialog.jsx';
import { Link } from './Link.jsx';
import { Pagination } from './Pagination.jsx';
import { PostStatus } from './PostStatus.jsx';

const statusFilters = [
  { status: '', label: 'All' },
  { status: 'draft', label: 'Drafts' },
  { status: 'scheduled', label: 'Scheduled' },
  { status: 'published', label: 'Published' },
];

const searchDelayMs = 250;

export function PostsPage() {
  const filter = useStore($postFilter);
  const list = useStore($postList);
  const deleteError = useStore($deleteError);
  const [createError, setCreateError] = useState('');
  const [creating, setCreating] = useState(false);
  const [postToDelete, setPostToDelete] = useState(null);
  const headingRef = useRef(null);
  const creatingRef = useRef(false);

  const search = useStore($routeSearch);

  useEffect(() => {
    $deleteError.set('');
  }, []);

  // The URL sets the status and page when the page opens and on Back and
  // Forward. A filter that setPostFilter put in the URL is loading already.
  const opened = useRef(false);
  useEffect(() => {
    const { status, page } = $postFilter.get();
    const requested = filterFromSearch(search);
    if (!opened.current || requested.status !== status || requested.page !== page) {
      showPostsFromSearch(search);
    }
    opened.current = true;
  }, [search]);

  // One draft per click burst: the second click of a double click and
  // clicks while the draft is being created are ignored.
  async function handleNewPost(event) {
    if (event.detail > 1 || creatingRef.current) {
      return;
    }
    creatingRef.current = true;
    setCreating(true);
    setCreateError('');
    try {
      const post = await createPost();
      navigate(`posts/${post.id}`);
    } catch (error) {
      setCreateError(`Could not create a post. ${describeError(error)}`);
    } finally {
      creatingRef.current = false;
      setCreating(false);
    }
  }

  function confirmDelete() {
    const post = postToDelete;
    setPostToDelete(null);
    deletePost(post);
  }

  return (
    <>
      <div className="page-heading">
        <h1 tabIndex={-1} ref={headingRef}>
          Posts
        </h1>
        <button type="button" className="primary" aria-busy={creating} onClick={handleNewPost}>
          New post
        </button>
      </div>

      <div className="toolbar">
        <div role="group" aria-label="Show posts by status" className="segmented">
          {statusFilters.map((item) => (
            <button
              key={item.label}
              type="button"
              aria-pressed={filter.status === item.status}
              onClick={() => setPostFilter({ status: item.status })}
            >
              {item.label}
            </button>
          ))}
        </div>
        <SearchInput initialValue={filter.q} />
      </div>

      {createError && (
        <p role="alert" className="form-error">
          {createError}
        </p>
      )}
      {deleteError && (
        <p role="alert" className="form-error">
          {deleteError}
        </p>
      )}
      {list.error && (
        <p role="alert" className="form-error">
          Could not load the posts. {list.error}
        </p>
      )}

      <PostList posts={list.posts} loading={list.loading} filter={filter} onDelete={setPostToDelete} />

      <Pagination
        page={list.page}
        perPage={list.perPage}
        total={list.total}
        label="Pages of posts"
        onChange={(page) => setPostFilter({ page })}
      />

      {postToDelete && (
        <ConfirmDialog
          title="Delete post?"
          message={`“${postToDelete.title}” will be deleted for good, with its revisions.`}
          confirmLabel="Delete post"
          onConfirm={confirmDelete}
          onCancel={() => setPostToDelete(null)}
          returnFocus={(previous) => (previous?.isConnected ? previous : headingRef.current)}
        />
      )}
    </>
  );
}

function SearchInput({ initialValue }) {
  const [value, setValue] = useState(initialValue);
  const timer = useRef(null);

  useEffect(() => () => clearTimeout(timer.current), []);

  function handleChange(event) {
    const q = event.target.value;
    setValue(q);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setPostFilter({ q }), searchDelayMs);
  }

  return (
    <div className="field search">
      <label htmlFor="post-search">Search posts</label>
      <input id="post-search" type="search" value={value} onChange={handleChange} placeholder="Title contains…" />
    </div>
  );
}

function PostList({ posts, loading, filter, onDelete }) {
  if (posts.length === 0) {
    if (loading) {
      return <p className="empty">Loading posts…</p>;
    }
    return <p className="empty">{filter.q || filter.status ? 'No posts match.' : 'No posts yet. Start with New post.'}</p>;
  }

  return (
    <ul className="post-list" aria-busy={loading}>
      {posts.map((post) => (
        <li key={post.id}>
          <div className="post-main">
            <Link to={`posts/${post.id}`} className="post-title">
              {post.title}
            </Link>
            <PostStatus post={post} />
          </div>
          <button type="button" className="danger subtle" aria-label={`Delete ${post.title}`} onClick={() => onDelete(post)}>
            Delete
          </button>
        </li>
      ))}
    </ul>
  );
}
