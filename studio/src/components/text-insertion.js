import { $fields } from '../stores/editor-state.js';
import { insertIntoSource } from '../stores/editor.js';

// Inserting text at the cursor of the markdown textarea after an upload or
// a dialog, when the author may have typed in the meantime.

/** Returns the textarea's selection and text, to insert at later. */
export function captureAnchor(textarea) {
  return { start: textarea.selectionStart, end: textarea.selectionEnd, source: textarea.value };
}

/**
 * Inserts text at the anchor's selection if the markdown is unchanged
 * since, else at the current selection, and returns the anchor just after
 * the inserted text.
 */
export function insertAtAnchor(textarea, anchor, text) {
  const unchanged = $fields.get()?.source === anchor.source;
  const start = unchanged ? anchor.start : textarea.selectionStart;
  const end = unchanged ? anchor.end : textarea.selectionEnd;
  insertIntoSource(text, start, end);

  const caret = start + text.length;
  // React writes the new value on its next render; the caret moves after it.
  requestAnimationFrame(() => textarea.setSelectionRange(caret, caret));
  return { start: caret, end: caret, source: $fields.get()?.source };
}
