import { navigate, routeUrl } from '../stores/router.js';

/** Renders a link to a route path that moves there without reloading the page. */
export function Link({ to, children, ...props }) {
  function handleClick(event) {
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (event.defaultPrevented || event.button !== 0 || modified) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }

  return (
    <a href={routeUrl(to)} onClick={handleClick} {...props}>
      {children}
    </a>
  );
}
