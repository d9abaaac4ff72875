// Markdown for images inserted by the studio.

/** Returns a file name without its extension, as an image's alt text. */
export function altFromFileName(name) {
  return name.replace(/\.[^./\\]*$/, '');
}

function escapeAlt(text) {
  return text.replace(/\s+/g, ' ').replace(/[\\[\]]/g, '\\$&');
}

/** Returns `![alt](url)`, with the URL in angle brackets when it contains spaces or parentheses. */
export function imageMarkdown(alt, url) {
  const destination = /[\s()]/.test(url) ? `<${url.replace(/[<>]/g, encodeURIComponent)}>` : url;
  return `![${escapeAlt(alt)}](${destination})`;
}

/**
 * Returns the placeholder that marks an image's place in the markdown
 * while it uploads: an image with no URL, so the preview requests nothing, and
 * a title that makes it unique.
 */
export function uploadPlaceholder(fileName) {
  const token = Math.random().toString(36).slice(2, 10);
  return `![Uploading ${escapeAlt(fileName)}…](<> "upload ${token}")`;
}
