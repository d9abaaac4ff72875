import { useEffect, useId, useRef } from 'react';

const focusableSelector =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function listFocusable(container) {
  return Array.from(container.querySelectorAll(focusableSelector)).filter((element) => element.offsetParent !== null);
}

/**
 * Renders a modal dialog named by its heading. Focus moves into it, Tab
 * and Shift-Tab cycle inside it, and Escape calls onClose. When it closes,
 * focus returns to the element that had it before, or to the element that
 * `returnFocus(previous)` returns.
 */
export function Dialog({ title, onClose, returnFocus, className = '', children }) {
  const dialogRef = useRef(null);
  const headingId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const returnFocusRef = useRef(returnFocus);
  returnFocusRef.current = returnFocus;

  useEffect(() => {
    const dialog = dialogRef.current;
    const previous = document.activeElement;
    dialog.showModal();
    const first = dialog.querySelector('[data-autofocus]') ?? listFocusable(dialog)[0];
    first?.focus();

    return () => {
      dialog.close();
      // After the frame, the page has removed what the dialog's action
      // deleted, such as the row of a deleted post.
      requestAnimationFrame(() => {
        const target = returnFocusRef.current ? returnFocusRef.current(previous) : previous;
        if (target?.isConnected) {
          target.focus();
        }
      });
    };
  }, []);

  function handleCancel(event) {
    // Escape: the caller decides, so the dialog unmounts through React.
    event.preventDefault();
    onCloseRef.current();
  }

  function handleKeyDown(event) {
    if (event.key !== 'Tab') {
      return;
    }
    const focusable = listFocusable(dialogRef.current);
    if (focusable.length === 0) {
      event.preventDefault();
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={dialogRef}
      className={`dialog ${className}`}
      aria-labelledby={headingId}
      onCancel={handleCancel}
      onKeyDown={handleKeyDown}
    >
      <h2 id={headingId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** Asks to confirm an action that cannot be undone. */
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onCancel, returnFocus }) {
  return (
    <Dialog title={title} onClose={onCancel} returnFocus={returnFocus}>
      <p>{message}</p>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
