import { formatBytes } from '../stores/uploads.js';

/** Thumbnails of media items, each with its path; `renderAction` adds a button. */
export function MediaGrid({ media, renderAction }) {
  return (
    <ul className="media-grid">
      {media.map((item) => {
        const captionId = `media-${item.path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        return (
          <li key={item.path}>
            <figure>
              <img src={item.url} alt={item.path} loading="lazy" />
              <figcaption id={captionId}>
                <span className="media-path">{item.path}</span>
                <span className="media-meta">
                  {item.content_type}, {formatBytes(item.size)}
                </span>
              </figcaption>
            </figure>
            {renderAction?.(item, captionId)}
          </li>
        );
      })}
    </ul>
  );
}
