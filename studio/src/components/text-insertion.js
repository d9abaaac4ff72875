import { $fields } from '../stores/editor-state.js';
import { insertIntoSource } from '../stores/editor.js';

// Inserting text at the cursor of the markdown textarea after an upload or
// a dialog, when the author may have typed in the meantime.

/** Returns the textarea's selection and text, to insert at later. */
export function captureAnchor(textarea) {
  return { start: textarea.selectionStart, end: textarea.selectionEnd, source: textarea.value };
}

function anchorRange(textarea, anchor) {
  const unchanged = $fields.get()?.source === anchor.source;
  return unchanged ? [anchor.start, anchor.end] : [textarea.selectionStart, textarea.selectionEnd];
}

function moveCaret(textarea, start, end) {
  // React writes the new value on its next render; the caret moves after it.
  requestAnimationFrame(() => textarea.setSelectionRange(start, end));
}

/**
 * Inserts text at the anchor's selection if the markdown is unchanged
 * since, else at the current selection, and returns the anchor just after
 * the inserted text.
 */
export function insertAtAnchor(textarea, anchor, text) {
  const [start, end] = anchorRange(textarea, anchor);
  insertIntoSource(text, start, end);

  const caret = start + text.length;
  moveCaret(textarea, caret, caret);
  return { start: caret, end: caret, source: $fields.get()?.source };
}

/** Returns the line breaks that make a blank line between `text` and what it touches on `side`. */
function blankLineBreaks(neighbour, side) {
  const breaks = side === 'before' ? neighbour.match(/\n*$/)[0] : neighbour.match(/^\n*/)[0];
  return neighbour === '' ? '' : '\n'.repeat(Math.max(0, 2 - breaks.length));
}

/**
 * Inserts a block, such as an image, on lines of its own at the anchor:
 * with a blank line before and after it unless one is there already or
 * the block starts or ends the markdown. Spaces and tabs at the join go.
 */
export function insertBlockAtAnchor(textarea, anchor, block) {
  const source = $fields.get()?.source ?? '';
  let [start, end] = anchorRange(textarea, anchor);
  while (start > 0 && /[ \t]/.test(source[start - 1])) {
    start--;
  }
  while (end < source.length && /[ \t]/.test(source[end])) {
    end++;
  }
  const text = blankLineBreaks(source.slice(0, start), 'before') + block + blankLineBreaks(source.slice(end), 'after');
  return insertAtAnchor(textarea, { start, end, source }, text);
}

/**
 * Replaces the first occurrence of `placeholder` in the markdown with
 * `text`, keeping the author's selection in place. An empty `text`
 * removes the placeholder with the blank line that set it apart. Returns
 * false when the author has deleted the placeholder.
 */
export function replacePlaceholder(textarea, placeholder, text) {
  const source = $fields.get()?.source ?? '';
  let start = source.indexOf(placeholder);
  if (start === -1) {
    return false;
  }
  let end = start + placeholder.length;
  if (text === '') {
    if (source.startsWith('\n\n', end)) {
      end += 2;
    } else if (source.slice(0, start).endsWith('\n\n')) {
      start -= 2;
    }
  }

  const shift = (position) => (position >= end ? position + text.length - (end - start) : Math.min(position, start));
  const selection = [textarea.selectionStart, textarea.selectionEnd].map(shift);
  insertIntoSource(text, start, end);
  moveCaret(textarea, ...selection);
  return true;
}
