import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { $session } from '../stores/session.js';
import { $route } from '../stores/router.js';
import { saveBeforeSignOut, signOutKeepingUnsaved } from '../stores/sign-out.js';
import { Dialog } from './Dialog.jsx';
import { Link } from './Link.jsx';
import { SignInPage } from './SignInPage.jsx';
import { PostsPage } from './PostsPage.jsx';
import { EditorPage } from './EditorPage.jsx';
import { MediaPage } from './MediaPage.jsx';
import { SettingsPage } from './SettingsPage.jsx';

export function App() {
  const session = useStore($session);
  if (session.state === 'loading') {
    return <p className="page-loading">Loading…</p>;
  }
  if (session.state === 'signed-out') {
    return <SignInPage notice={session.notice} loadError={session.loadError} />;
  }
  if (session.state === 'no-author') {
    return <NoAuthorPage message={session.loadError} />;
  }
  return <Layout signedInByServer={session.signedInByServer} justSignedIn={session.justSignedIn} />;
}

/** Explains that the web server signed in a user who is no author of this blog. */
function NoAuthorPage({ message }) {
  useEffect(() => {
    document.title = 'No author account – Studio';
  }, []);

  return (
    <main className="sign-in">
      <h1>No author account</h1>
      <p>{message}</p>
      <p>
        The web server signs authors in on this blog, and it signed you in under that name. Ask the blog's
        administrator to add an author with that email (writekit user add), or sign in to the web server as another
        user.
      </p>
    </main>
  );
}

const navItems = [
  { to: '', label: 'Posts', routes: ['posts', 'editor'] },
  { to: 'media', label: 'Media', routes: ['media'] },
  { to: 'settings', label: 'Settings', routes: ['settings'] },
];

const pageTitles = {
  posts: 'Posts',
  editor: 'Edit post',
  media: 'Media',
  settings: 'Settings',
  'not-found': 'Page not found',
};

function Layout({ signedInByServer, justSignedIn }) {
  const route = useStore($route);

  useEffect(() => {
    document.title = `${pageTitles[route.name]} – Studio`;
  }, [route]);

  const mainRef = useRef(null);
  const firstRender = useRef(true);

  // After moving to another page or signing in, focus the page's heading,
  // as a page load would put screen reader users at the top. A page loaded
  // with a session from before starts at the top already.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      if (!justSignedIn) {
        return;
      }
    }
    mainRef.current?.querySelector('h1')?.focus();
    window.scrollTo(0, 0);
  }, [route]);

  return (
    <div className="layout">
      <header className="site-header">
        <span className="site-name">Studio</span>
        <nav aria-label="Main">
          <ul>
            {navItems.map((item) => (
              <li key={item.label}>
                <Link to={item.to} aria-current={item.routes.includes(route.name) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {/* The web server's sign-in (WriteKitStudioAuth apache) has no sign-out here. */}
        {!signedInByServer && <SignOut />}
      </header>
      <main ref={mainRef}>
        <RoutePage route={route} />
      </main>
    </div>
  );
}

function shortTitle(title) {
  return title.length > 80 ? `${title.slice(0, 79)}…` : title;
}

/**
 * Renders the Sign out button. It saves the open post first, and asks
 * before signing out when the server does not have the latest changes.
 */
function SignOut() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [unsaved, setUnsaved] = useState(null);

  async function finishSignOut() {
    setUnsaved(null);
    setBusy(true);
    const failure = await signOutKeepingUnsaved();
    setBusy(false);
    setError(failure ?? '');
  }

  async function handleClick() {
    if (busy) {
      return;
    }
    setError('');
    setBusy(true);
    const pending = await saveBeforeSignOut();
    setBusy(false);
    if (pending) {
      setUnsaved(pending);
      return;
    }
    await finishSignOut();
  }

  return (
    <>
      <button type="button" className="sign-out" aria-busy={busy} onClick={handleClick}>
        Sign out
      </button>
      {error && (
        <p role="alert" className="banner-error">
          {error}
        </p>
      )}
      {unsaved && (
        <Dialog title="Sign out?" onClose={() => setUnsaved(null)}>
          <p>
            Your latest changes to “{shortTitle(unsaved.title)}” are not saved on the server. {unsaved.reason}
          </p>
          <p>
            If you sign out now, they stay in this browser only, where anyone who uses it can read them, until you
            sign in here again and open the post.
          </p>
          <div className="dialog-actions">
            <button type="button" className="primary" data-autofocus onClick={() => setUnsaved(null)}>
              Stay signed in
            </button>
            <button type="button" onClick={finishSignOut}>
              Sign out and keep them on this device
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

function RoutePage({ route }) {
  switch (route.name) {
    case 'posts':
      return <PostsPage />;
    case 'editor':
      return <EditorPage key={route.postId} postId={route.postId} />;
    case 'media':
      return <MediaPage />;
    case 'settings':
      return <SettingsPage />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            The studio has no page at this address. <Link to="">Go to the posts</Link>.
          </p>
        </>
      );
  }
}
