import { lazy, Suspense, useState } from 'react';
import { useLocation } from 'react-router-dom';

const AssistantDrawer = lazy(() =>
  import('./AssistantDrawer').then(m => ({ default: m.AssistantDrawer })),
);

/** The entity of a catalog page (`/catalog/:namespace/:kind/:name/...`). */
export function entityRefOfPath(pathname: string): string | undefined {
  const m = /^\/catalog\/([^/]+)\/([^/]+)\/([^/]+)/.exec(pathname);
  return m
    ? `${decodeURIComponent(m[2]).toLowerCase()}:${decodeURIComponent(
        m[1],
      )}/${decodeURIComponent(m[3])}`
    : undefined;
}

/**
 * A button on every page opening the assistant drawer. The drawer stays
 * mounted once opened, so its conversation survives navigation.
 */
export function AssistantLauncher() {
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const entityRef = entityRefOfPath(useLocation().pathname);
  return (
    <>
      {!open && (
        <button
          type="button"
          aria-label="Open the assistant"
          onClick={() => {
            setLoaded(true);
            setOpen(true);
          }}
          style={{
            position: 'fixed',
            right: 16,
            bottom: 56,
            zIndex: 1300,
            padding: '10px 16px',
            border: 0,
            borderRadius: 20,
            background: '#1f5493',
            color: '#fff',
            font: '600 14px/1 system-ui, sans-serif',
            boxShadow: '0 2px 8px rgba(0,0,0,.3)',
            cursor: 'pointer',
          }}
        >
          Ask the assistant
        </button>
      )}
      {loaded && (
        <Suspense fallback={null}>
          <AssistantDrawer
            open={open}
            onClose={() => setOpen(false)}
            entityRef={entityRef}
          />
        </Suspense>
      )}
    </>
  );
}
