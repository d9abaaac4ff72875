import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { $session, signOut } from '../stores/session.js';
import { $route } from '../stores/router.js';
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
  return <Layout />;
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

function Layout() {
  const route = useStore($route);

  useEffect(() => {
    document.title = `${pageTitles[route.name]} – Studio`;
  }, [route]);

  const mainRef = useRef(null);
  const firstRender = useRef(true);
  const [signOutError, setSignOutError] = useState('');

  // After moving to another page, focus its heading, as a page load would
  // put screen reader users at the top.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.querySelector('h1')?.focus();
    window.scrollTo(0, 0);
  }, [route]);

  async function handleSignOut() {
    setSignOutError((await signOut()) ?? '');
  }

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
        <button type="button" className="sign-out" onClick={handleSignOut}>
          Sign out
        </button>
      </header>
      {signOutError && (
        <p role="alert" className="banner-error">
          {signOutError}
        </p>
      )}
      <main ref={mainRef}>
        <RoutePage route={route} />
      </main>
    </div>
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
