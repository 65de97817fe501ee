/** Asks for a bearer token (secure mode, 401): kept in sessionStorage, sent as Authorization. */
import { useState } from 'react';
import { getToken, setToken } from './api/client';

export function TokenPrompt({ onDone }: { onDone(): void }) {
  const [value, setValue] = useState(getToken() ?? '');
  return (
    <div className="token-prompt" role="dialog" aria-label="bearer token">
      <p>The API asks for credentials (401). Paste a bearer token (e.g. from <code>kubectl create token</code>):</p>
      <textarea value={value} onChange={(e) => setValue(e.target.value)} rows={3} />
      <div>
        <button
          onClick={() => {
            setToken(value.trim() || null);
            onDone();
            window.location.reload();
          }}
        >
          Use token
        </button>{' '}
        <button onClick={onDone}>Cancel</button>
      </div>
    </div>
  );
}
