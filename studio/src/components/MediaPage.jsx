import { useStore } from '@nanostores/react';
import { $mediaLibrary } from '../stores/media.js';
import { MediaBrowser } from './MediaBrowser.jsx';

export function MediaPage() {
  const { total } = useStore($mediaLibrary);

  return (
    <>
      <h1 tabIndex={-1}>Media</h1>
      <p className="lead">
        Images stored in the blog. Drop or paste an image into a post's markdown to add one.
        {total > 0 && ` ${total} in all.`}
      </p>
      <MediaBrowser perPage={24} emptyText="No images yet." />
    </>
  );
}
