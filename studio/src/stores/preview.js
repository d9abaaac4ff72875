import { atom } from 'nanostores';
import { apiRequest, describeError } from '../api.js';

// Live preview through `POST preview`, the renderer readers get. Requests
// start 150 ms after the last keystroke, or at the latest 600 ms after the
// first unrendered one while the author keeps typing. A newer request
// aborts the older one, and a sequence number drops any response that
// arrives after a newer request started.

const debounceMs = 150;
const maxWaitMs = 600;

/** The rendered preview: `html` from the server, `error` when the last request failed. */
export const $preview = atom({ html: '', error: '' });

let sequence = 0;
let controller = null;
let timer = null;
let firstPendingAt = null;
let latestSource = null;

async function renderPreview(source) {
  const mySequence = ++sequence;
  controller?.abort();
  controller = new AbortController();
  firstPendingAt = null;
  try {
    const { html } = await apiRequest('POST', 'preview', {
      body: { markdown: source },
      signal: controller.signal,
    });
    if (mySequence === sequence) {
      $preview.set({ html, error: '' });
    }
  } catch (error) {
    if (error.name === 'AbortError' || mySequence !== sequence) {
      return;
    }
    // The same source may be requested again, once the server is back.
    latestSource = null;
    $preview.set({ ...$preview.get(), error: `The preview is not up to date. ${describeError(error)}` });
  }
}

/** Requests a preview of `source` once the author pauses. */
export function schedulePreview(source) {
  if (source === latestSource) {
    return;
  }
  latestSource = source;
  clearTimeout(timer);
  const now = Date.now();
  firstPendingAt ??= now;
  const delay = Math.min(debounceMs, Math.max(0, firstPendingAt + maxWaitMs - now));
  timer = setTimeout(() => renderPreview(source), delay);
}

/** Drops the preview of the post open before, when another one opens. */
export function resetPreview() {
  clearTimeout(timer);
  controller?.abort();
  sequence++;
  firstPendingAt = null;
  latestSource = null;
  $preview.set({ html: '', error: '' });
}

/** Shows HTML already rendered by the server, such as a loaded post's. */
export function showRenderedPreview(source, html) {
  clearTimeout(timer);
  controller?.abort();
  sequence++;
  firstPendingAt = null;
  latestSource = source;
  $preview.set({ html, error: '' });
}
