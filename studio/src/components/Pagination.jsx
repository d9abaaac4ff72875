/** Renders previous and next buttons with the page number, or nothing when there is only one page. */
export function Pagination({ page, perPage, total, label, onChange }) {
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  if (pageCount <= 1 && page <= 1) {
    return null;
  }
  return (
    <div role="group" className="pagination" aria-label={label}>
      <button type="button" disabled={page <= 1} onClick={() => onChange(page - 1)}>
        Previous page
      </button>
      <span>
        Page {page} of {pageCount}
      </span>
      <button type="button" disabled={page >= pageCount} onClick={() => onChange(page + 1)}>
        Next page
      </button>
    </div>
  );
}
