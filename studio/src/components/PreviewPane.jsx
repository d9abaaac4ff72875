import { useStore } from '@nanostores/react';
import { useEffect, useMemo, useRef } from 'react';
import { $fields, $post } from '../stores/editor-state.js';
import { $preview, schedulePreview, showRenderedPreview } from '../stores/preview.js';
import { followPreviewFragment, rebasePreviewHtml } from './preview-html.js';

/** Renders the post as readers get it, from the server's renderer, as the author types. */
export function PreviewPane() {
  const source = useStore($fields).source;
  const postUrl = useStore($post).url;
  const preview = useStore($preview);
  const regionRef = useRef(null);
  const html = useMemo(() => rebasePreviewHtml(preview.html, postUrl), [preview.html, postUrl]);

  useEffect(() => {
    const post = $post.get();
    if (source === post.source && typeof post.html === 'string') {
      // The server rendered exactly this source when it saved the post.
      showRenderedPreview(source, post.html);
    } else {
      schedulePreview(source);
    }
  }, [source]);

  return (
    <div className="pane preview-pane">
      <div className="pane-label" aria-hidden="true">
        Preview
      </div>
      {preview.error && <p className="preview-error">{preview.error}</p>}
      {/* The region contains the server's HTML and nothing else, with its
          URLs resolved against the post's. The module's allow-list sanitizer
          has removed scripts and on* attributes from raw HTML, and the
          studio's Content-Security-Policy blocks inline scripts. */}
      <div
        ref={regionRef}
        role="region"
        aria-label="Preview"
        className="preview"
        onClick={(event) => followPreviewFragment(event, regionRef.current)}
        dangerouslySetInnerHTML={{ __html: html }}
      />
    </div>
  );
}
