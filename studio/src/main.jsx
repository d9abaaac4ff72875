import { createRoot } from 'react-dom/client';
import { App } from './components/App.jsx';
import { loadSession } from './stores/session.js';
import './styles.css';

loadSession();
createRoot(document.getElementById('root')).render(<App />);
