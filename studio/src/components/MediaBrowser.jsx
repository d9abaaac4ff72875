import { useStore } from '@nanostores/react';
import { useEffect } from 'react';
import { $mediaLibrary, loadMediaPage } from '../stores/media.js';
import { MediaGrid } from './MediaGrid.jsx';
import { Pagination } from './Pagination.jsx';

/** Pages through the media library, newest first; `renderAction` adds a button per image. */
export function MediaBrowser({ perPage, emptyText, renderAction }) {
  const library = useStore($mediaLibrary);

  useEffect(() => {
    loadMediaPage(1, perPage);
  }, [perPage]);

  return (
    <>
      {library.error && (
        <p role="alert" className="form-error">
          Could not load the media library. {library.error}
        </p>
      )}
      {library.loading && library.media.length === 0 && <p>Loading images…</p>}
      {!library.loading && !library.error && library.total === 0 && <p className="empty">{emptyText}</p>}
      <MediaGrid media={library.media} renderAction={renderAction} />
      <Pagination
        page={library.page}
        perPage={library.perPage}
        total={library.total}
        label="Pages of images"
        onChange={(page) => loadMediaPage(page, perPage)}
      />
    </>
  );
}
