// Prepares the server's HTML of a post for the preview inside the studio,
// whose <base href> is the studio's path, not the post's: relative URLs
// are resolved against the post's reader URL, as readers' browsers do,
// and links other than same-document fragments open in a new tab.

const urlAttributes = ['href', 'src', 'poster'];

function resolveUrl(value, base) {
  try {
    return new URL(value, base).href;
  } catch {
    // Not a URL that a browser could load either; it stays as it is.
    return value;
  }
}

/** Resolves each candidate of a srcset ("URL [descriptor], ..."). */
function resolveSrcset(srcset, base) {
  return srcset
    .split(',')
    .map((candidate) => {
      const [url, ...descriptors] = candidate.trim().split(/\s+/);
      return [resolveUrl(url, base), ...descriptors].join(' ');
    })
    .join(', ');
}

function rewriteElement(element, base) {
  for (const name of urlAttributes) {
    const value = element.getAttribute(name);
    if (value !== null && !value.startsWith('#')) {
      element.setAttribute(name, resolveUrl(value, base));
    }
  }
  const srcset = element.getAttribute('srcset');
  if (srcset !== null) {
    element.setAttribute('srcset', resolveSrcset(srcset, base));
  }
  const href = element.getAttribute('href');
  if (element.localName === 'a' && href !== null && !href.startsWith('#')) {
    element.setAttribute('target', '_blank');
    element.setAttribute('rel', 'noopener noreferrer');
  }
}

/**
 * Returns the post's HTML with src, href, poster and srcset resolved
 * against `postUrl` (a path such as /blog/posts/slug) and its links set
 * to open in a new tab. Fragment links (#fn-1) stay as they are.
 */
export function rebasePreviewHtml(html, postUrl) {
  const base = new URL(postUrl, window.location.origin);
  // A template's content is inert: nothing in it loads or runs.
  const template = document.createElement('template');
  template.innerHTML = html;
  for (const element of template.content.querySelectorAll('[href], [src], [poster], [srcset]')) {
    rewriteElement(element, base);
  }
  return template.innerHTML;
}

/**
 * Handles a click in the preview: a same-document fragment link scrolls
 * to its target inside `region` and moves focus there, in place of
 * loading the studio's own URL with that fragment.
 */
export function followPreviewFragment(event, region) {
  const link = event.target.closest('a[href^="#"]');
  if (!link || !region.contains(link)) {
    return;
  }
  event.preventDefault();
  const id = decodeURIComponent(link.getAttribute('href').slice(1));
  const target = region.querySelector(`[id="${CSS.escape(id)}"], a[name="${CSS.escape(id)}"]`);
  if (!target) {
    return;
  }
  if (!target.hasAttribute('tabindex')) {
    target.setAttribute('tabindex', '-1');
  }
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
}
