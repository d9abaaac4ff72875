import { useStore } from '@nanostores/react';
import { useRef, useState } from 'react';
import { $editor, $fieldErrors, $fields } from '../stores/editor-state.js';
import { editField } from '../stores/editor.js';
import { $uploads, acceptedImageTypes, dismissUpload, uploadImage } from '../stores/uploads.js';
import { captureAnchor, insertAtAnchor } from './text-insertion.js';

// Width and height kept free for an upload card placed at a drop point.
const cardWidth = 288;
const cardHeight = 96;

/** Renders the markdown textarea, which uploads dropped and pasted images. */
export function MarkdownPane({ textareaRef, onOpenMediaLibrary }) {
  const source = useStore($fields).source;
  const errors = useStore($fieldErrors);
  const uploads = useStore($uploads);
  const [dragging, setDragging] = useState(false);
  const areaRef = useRef(null);

  function cardPosition(clientX, clientY) {
    const rect = areaRef.current.getBoundingClientRect();
    return {
      x: Math.max(0, Math.min(clientX - rect.left, rect.width - cardWidth)),
      y: Math.max(0, Math.min(clientY - rect.top, rect.height - cardHeight)),
    };
  }

  function startUploads(files, { x, y }) {
    const postId = $editor.get().postId;
    let anchor = captureAnchor(textareaRef.current);
    files.forEach((file, index) => {
      uploadImage(file, { x, y: y + index * 56 }).then((media) => {
        // An upload that ends after another post opened stays in the library only.
        if (media && $editor.get().postId === postId && textareaRef.current) {
          anchor = insertAtAnchor(textareaRef.current, anchor, media.markdown);
        }
      });
    });
  }

  function handleDragOver(event) {
    if (event.dataTransfer.types.includes('Files')) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    }
  }

  function handleDrop(event) {
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length === 0) {
      return;
    }
    event.preventDefault();
    startUploads(files, cardPosition(event.clientX, event.clientY));
  }

  function handlePaste(event) {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0) {
      return;
    }
    event.preventDefault();
    startUploads(files, { x: 16, y: 16 });
  }

  function handleFileInput(event) {
    const files = Array.from(event.target.files);
    event.target.value = '';
    if (files.length > 0) {
      startUploads(files, { x: 16, y: 16 });
    }
  }

  return (
    <div className="pane markdown-pane">
      <div className="pane-toolbar">
        <label htmlFor="markdown-source" className="pane-label">
          Markdown
        </label>
        <span className="pane-tools">
          <button type="button" onClick={onOpenMediaLibrary}>
            Media library
          </button>
          <label className="button file-button">
            Upload image
            <input type="file" accept={acceptedImageTypes.join(',')} multiple onChange={handleFileInput} />
          </label>
        </span>
      </div>
      <div
        ref={areaRef}
        className={`drop-area${dragging ? ' dragging' : ''}`}
        onDragOver={handleDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={handleDrop}
      >
        <textarea
          id="markdown-source"
          ref={textareaRef}
          value={source}
          onChange={(event) => editField('source', event.target.value)}
          onPaste={handlePaste}
          aria-invalid={errors.source ? 'true' : undefined}
          aria-describedby={errors.source ? 'markdown-source-error' : 'markdown-source-hint'}
          spellCheck
        />
        {uploads.map((upload) => (
          <UploadCard key={upload.id} upload={upload} />
        ))}
      </div>
      {errors.source ? (
        <p id="markdown-source-error" className="field-error">
          {errors.source}
        </p>
      ) : (
        <p id="markdown-source-hint" className="hint">
          Drop or paste images here to upload them. Ctrl-S or Cmd-S saves at once.
        </p>
      )}
    </div>
  );
}

function UploadCard({ upload }) {
  const style = { left: `${upload.x}px`, top: `${upload.y}px` };
  if (upload.error) {
    return (
      <div role="alert" className="upload-card upload-error" style={style}>
        <p>{upload.error}</p>
        <button type="button" aria-label={`Dismiss the error about ${upload.name}`} onClick={() => dismissUpload(upload.id)}>
          Dismiss
        </button>
      </div>
    );
  }
  return (
    <div className="upload-card" style={style}>
      <label>
        Uploading {upload.name}
        <progress max={upload.total || 1} value={upload.loaded} />
      </label>
    </div>
  );
}
