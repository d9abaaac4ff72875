import { atom } from 'nanostores';
import { apiRequest, describeError } from '../api.js';
import { altFromFileName, imageMarkdown } from '../image-markdown.js';

// One page of the media library, for the Media page and the editor's
// "Media library" dialog.

export const $mediaLibrary = atom({ media: [], page: 1, perPage: 24, total: 0, loading: false, error: '' });

let controller = null;

/** Loads a page of media, newest first. */
export async function loadMediaPage(page, perPage = 24) {
  controller?.abort();
  controller = new AbortController();
  $mediaLibrary.set({ ...$mediaLibrary.get(), loading: true, error: '' });
  try {
    const data = await apiRequest('GET', `media?page=${page}&per_page=${perPage}`, { signal: controller.signal });
    $mediaLibrary.set({
      media: data.media,
      page: data.page,
      perPage: data.per_page,
      total: data.total,
      loading: false,
      error: '',
    });
  } catch (error) {
    if (error.name !== 'AbortError') {
      $mediaLibrary.set({ ...$mediaLibrary.get(), loading: false, error: describeError(error) });
    }
  }
}

/**
 * Returns the markdown that shows an image of the library, with its file
 * name as alt text. Uploads are named by their content hash, which means
 * nothing to a reader, so their alt text stays empty for the author to fill.
 */
export function libraryImageMarkdown(item) {
  const name = item.path.split('/').pop();
  const hashed = item.path.startsWith('uploads/') && /^[0-9a-f]{16}\./.test(name);
  return imageMarkdown(hashed ? '' : altFromFileName(name), item.url);
}
