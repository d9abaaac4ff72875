import { useEffect, useState } from 'react';
import { signIn } from '../stores/session.js';
import { TextField } from './TextField.jsx';

export function SignInPage({ notice, loadError }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Sign in – Studio';
  }, []);

  async function handleSubmit(event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    setBusy(true);
    setError('');
    const failure = await signIn(email, password);
    setBusy(false);
    if (failure) {
      setError(failure);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={handleSubmit} aria-labelledby="sign-in-heading">
        <h1 id="sign-in-heading">Sign in</h1>
        {notice && <p className="notice">{notice}</p>}
        {loadError && <p className="notice">{loadError}</p>}
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={setEmail} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" aria-busy={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
