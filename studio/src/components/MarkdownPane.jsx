import { useStore } from '@nanostores/react';
import { useState } from 'react';
import { altFromFileName, imageMarkdown, uploadPlaceholder } from '../image-markdown.js';
import { $editor, $fieldErrors, $fields } from '../stores/editor-state.js';
import { editField } from '../stores/editor.js';
import { $uploads, acceptedImageTypes, checkFile, dismissUpload, uploadImage } from '../stores/uploads.js';
import { captureAnchor, insertBlockAtAnchor, replacePlaceholder } from './text-insertion.js';

/** Renders the markdown textarea, which uploads dropped and pasted images. */
export function MarkdownPane({ textareaRef, onOpenMediaLibrary }) {
  const source = useStore($fields).source;
  const errors = useStore($fieldErrors);
  const uploads = useStore($uploads);
  const [dragging, setDragging] = useState(false);

  // Each file that may be uploaded gets a placeholder at the cursor at
  // once, in the order given, which its image replaces when the upload
  // is done, so images land in that order whichever upload ends first.
  // NOTE: a placeholder whose upload never ends, as when the tab closes
  // meanwhile, stays in the markdown for the author to delete.
  function startUploads(files) {
    const postId = $editor.get().postId;
    const textarea = textareaRef.current;
    const accepted = files.filter((file) => !checkFile(file));
    const placeholders = new Map(accepted.map((file) => [file, uploadPlaceholder(file.name)]));
    if (accepted.length > 0) {
      insertBlockAtAnchor(textarea, captureAnchor(textarea), [...placeholders.values()].join('\n\n'));
    }

    for (const file of files) {
      uploadImage(file).then((media) => {
        // An upload that ends after another post opened stays in the library only.
        if (!placeholders.has(file) || $editor.get().postId !== postId || !textareaRef.current) {
          return;
        }
        const markdown = media ? imageMarkdown(altFromFileName(file.name), media.url) : '';
        replacePlaceholder(textareaRef.current, placeholders.get(file), markdown);
      });
    }
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
    startUploads(files);
  }

  function handlePaste(event) {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0) {
      return;
    }
    event.preventDefault();
    startUploads(files);
  }

  function handleFileInput(event) {
    const files = Array.from(event.target.files);
    event.target.value = '';
    if (files.length > 0) {
      startUploads(files);
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
      {uploads.length > 0 && (
        <ul className="upload-list" aria-label="Uploads">
          {uploads.map((upload) => (
            <li key={upload.id}>
              <UploadCard upload={upload} />
            </li>
          ))}
        </ul>
      )}
      <div
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
  if (upload.error) {
    return (
      <div role="alert" className="upload-card upload-error">
        <p>{upload.error}</p>
        <button type="button" aria-label={`Dismiss the error about ${upload.name}`} onClick={() => dismissUpload(upload.id)}>
          Dismiss
        </button>
      </div>
    );
  }
  return (
    <div className="upload-card">
      <label>
        Uploading {upload.name}
        <progress max={upload.total || 1} value={upload.loaded} />
      </label>
    </div>
  );
}
