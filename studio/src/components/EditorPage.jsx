import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api.js';
import { saveNow } from '../stores/autosave.js';
import { $conflict, $editor, hasUnsavedChanges } from '../stores/editor-state.js';
import { closeEditor, deleteOpenPost, openPost, saveAsNewPost } from '../stores/editor.js';
import { navigate } from '../stores/router.js';
import { clearUploads } from '../stores/uploads.js';
import { ConflictDialog } from './ConflictDialog.jsx';
import { ConfirmDialog } from './Dialog.jsx';
import { EditorFields } from './EditorFields.jsx';
import { Link } from './Link.jsx';
import { MarkdownPane } from './MarkdownPane.jsx';
import { MediaDialog } from './MediaDialog.jsx';
import { PreviewPane } from './PreviewPane.jsx';
import { PublishControls } from './PublishControls.jsx';
import { RevisionsDialog } from './RevisionsDialog.jsx';
import { SaveIndicator } from './SaveIndicator.jsx';
import { captureAnchor, insertBlockAtAnchor } from './text-insertion.js';

export function EditorPage({ postId }) {
  const editor = useStore($editor);

  useEffect(() => {
    clearUploads();
    openPost(postId);
    return () => {
      closeEditor();
      if (hasUnsavedChanges()) {
        saveNow();
      }
    };
  }, [postId]);

  if (editor.postId !== postId || editor.phase === 'loading' || editor.phase === 'idle') {
    return (
      <h1 tabIndex={-1} className="page-loading">
        Loading post…
      </h1>
    );
  }
  if (editor.phase !== 'ready') {
    return (
      <>
        <h1 tabIndex={-1}>{editor.phase === 'missing' ? 'Post not found' : 'Could not load the post'}</h1>
        <p role="alert" className="form-error">
          {editor.loadError}
          {editor.phase === 'failed' && ' Retrying…'}
        </p>
        {editor.phase === 'missing' && editor.unsavedFields && (
          <UnsavedText postId={postId} fields={editor.unsavedFields} />
        )}
        <p>
          <Link to="">Back to the posts</Link>
        </p>
      </>
    );
  }
  return <PostEditor />;
}

/** Offers the text kept for a deleted post as a new post. */
function UnsavedText({ postId, fields }) {
  const [error, setError] = useState('');

  async function handleSave() {
    setError('');
    try {
      const post = await saveAsNewPost(postId, fields);
      if (post.id === postId) {
        // SQLite gave the new post the deleted one's id, so the route stays.
        openPost(post.id);
      } else {
        navigate(`posts/${post.id}`);
      }
    } catch (failure) {
      setError(`Could not create the post. ${describeError(failure)}`);
    }
  }

  return (
    <section className="unsaved-text" aria-label="Text kept on this device">
      <p>
        This device still has your text of “{fields.title}”, which the server never saved. It stays here until you
        save it as a new post.
      </p>
      <pre className="version-source">{fields.source}</pre>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <button type="button" className="primary" onClick={handleSave}>
        Save as a new post
      </button>
    </section>
  );
}

function useSaveShortcut() {
  useEffect(() => {
    function handleKeyDown(event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        // Keeps the browser's "Save page as" dialog closed.
        event.preventDefault();
        saveNow();
      }
    }
    window.addEventListener('keydown', handleKeyDown);
    return () => window.removeEventListener('keydown', handleKeyDown);
  }, []);
}

function PostEditor() {
  const conflict = useStore($conflict);
  const [dialog, setDialog] = useState(null);
  const [conflictHidden, setConflictHidden] = useState(false);
  const textareaRef = useRef(null);
  const headingRef = useRef(null);
  const mediaAnchor = useRef(null);
  const inserted = useRef(false);

  useSaveShortcut();

  // The loading heading had focus after the route change; the editor's own
  // heading takes it over.
  useEffect(() => {
    if (document.activeElement === document.body) {
      headingRef.current.focus();
    }
  }, []);

  useEffect(() => {
    if (!conflict) {
      setConflictHidden(false);
    }
  }, [conflict]);

  function openMediaLibrary() {
    mediaAnchor.current = captureAnchor(textareaRef.current);
    inserted.current = false;
    setDialog('media');
  }

  function insertMedia(markdown) {
    insertBlockAtAnchor(textareaRef.current, mediaAnchor.current, markdown);
    inserted.current = true;
    setDialog(null);
  }

  function confirmDelete() {
    setDialog(null);
    deleteOpenPost();
    navigate('');
  }

  return (
    <div className="editor">
      <div className="editor-heading">
        <h1 tabIndex={-1} ref={headingRef}>
          Edit post
        </h1>
        <SaveIndicator onResolveConflict={() => setConflictHidden(false)} />
        <button type="button" className="history-button" onClick={() => setDialog('revisions')}>
          Revision history
        </button>
      </div>

      <EditorFields />
      <PublishControls onDelete={() => setDialog('delete')} />

      <div className="panes">
        <MarkdownPane textareaRef={textareaRef} onOpenMediaLibrary={openMediaLibrary} />
        <PreviewPane />
      </div>

      {conflict && !conflictHidden && <ConflictDialog onClose={() => setConflictHidden(true)} />}
      {dialog === 'media' && (
        <MediaDialog
          onInsert={insertMedia}
          onClose={() => setDialog(null)}
          returnFocus={(previous) => (inserted.current ? textareaRef.current : previous)}
        />
      )}
      {dialog === 'revisions' && <RevisionsDialog onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete post?"
          message="This post will be deleted for good, with its revisions and any changes not saved yet."
          confirmLabel="Delete post"
          onConfirm={confirmDelete}
          onCancel={() => setDialog(null)}
        />
      )}
    </div>
  );
}
