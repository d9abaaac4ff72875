import { atom } from 'nanostores';
import { apiBase } from '../paths.js';
import { parseRetryAfter, reportUnauthenticated, writeHeaders } from '../api.js';
import { $session } from './session.js';

// Image uploads dropped or pasted into the editor. Each one is listed
// above the markdown: a progress bar while it uploads, then an error card
// if it failed.

export const acceptedImageTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/svg+xml',
];

const typeNames = 'PNG, JPEG, GIF, WebP, AVIF or SVG';

/** Uploads in the editor, oldest first: {id, name, loaded, total, error}. */
export const $uploads = atom([]);

let nextUploadId = 1;

function updateUpload(id, changes) {
  $uploads.set($uploads.get().map((upload) => (upload.id === id ? { ...upload, ...changes } : upload)));
}

/** Removes an upload's card from the editor. */
export function dismissUpload(id) {
  $uploads.set($uploads.get().filter((upload) => upload.id !== id));
}

/** Removes every upload card, when another post opens. */
export function clearUploads() {
  $uploads.set([]);
}

export function formatBytes(bytes) {
  if (bytes < 1024) {
    return `${bytes} bytes`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Returns why a file cannot be uploaded, or null when it may be tried. */
export function checkFile(file) {
  // Browsers give an empty type to a file whose extension they do not map.
  // The server reads the type from the bytes and decides then.
  if (file.type && !acceptedImageTypes.includes(file.type)) {
    return `${file.name} is not a supported image type. Use ${typeNames}.`;
  }
  const maxBytes = $session.get().limits?.max_upload_size;
  if (maxBytes && file.size > maxBytes) {
    let size = formatBytes(file.size);
    let limit = formatBytes(maxBytes);
    if (size === limit) {
      size = `${file.size} bytes`;
      limit = `${maxBytes} bytes`;
    }
    return `${file.name} is too large: ${size}, over the limit of ${limit}.`;
  }
  if (file.size === 0) {
    return `${file.name} is empty.`;
  }
  return null;
}

function describeUploadFailure(file, xhr) {
  let error = {};
  try {
    error = JSON.parse(xhr.responseText).error ?? {};
  } catch {
    // Not the API's JSON, such as a proxy's error page.
  }
  switch (error.code) {
    case 'too_large':
    case 'body_too_large':
      return `${file.name} is too large for the server. ${error.message ?? ''}`.trim();
    case 'unsupported_media_type':
      return `${file.name} is not a supported image type. Use ${typeNames}.`;
    case 'database_error': {
      const seconds = parseRetryAfter(xhr.getResponseHeader('Retry-After'));
      return `${file.name} could not be stored: ${error.message} ${seconds ? `Try again in ${seconds} s.` : ''}`.trim();
    }
    default:
      return `${file.name} could not be uploaded: ${error.message ?? `HTTP status ${xhr.status}`}`;
  }
}

function sendFile(file, id) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${apiBase}media`);
    for (const [name, value] of Object.entries(writeHeaders())) {
      xhr.setRequestHeader(name, value);
    }
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        updateUpload(id, { loaded: event.loaded, total: event.total });
      }
    };
    xhr.onload = () => {
      if (xhr.status === 201) {
        resolve(JSON.parse(xhr.responseText));
      } else {
        reject(Object.assign(new Error(describeUploadFailure(file, xhr)), { status: xhr.status }));
      }
    };
    xhr.onerror = () => {
      reject(new Error(`${file.name} could not be uploaded: the server could not be reached.`));
    };
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

/**
 * Uploads one file, listed in the editor, and resolves to the API's media
 * object, or to null after showing the error in the list.
 */
export async function uploadImage(file) {
  const id = nextUploadId++;
  const upload = { id, name: file.name, loaded: 0, total: file.size, error: '' };
  $uploads.set([...$uploads.get(), upload]);

  const problem = checkFile(file);
  if (problem) {
    updateUpload(id, { error: problem });
    return null;
  }

  try {
    const media = await sendFile(file, id);
    dismissUpload(id);
    return media;
  } catch (error) {
    if (error.status === 401) {
      reportUnauthenticated();
    }
    updateUpload(id, { error: error.message });
    return null;
  }
}
