import { configApiRef, useApi } from '@backstage/frontend-plugin-api';

/**
 * A fixed label telling people that Argo CD, Kubernetes and the rest are the
 * local sandbox, not real systems. Hidden when `portolan.sandbox.enabled`
 * is false (production).
 */
export function SandboxLabel() {
  const config = useApi(configApiRef);
  if (!config.getOptionalBoolean('portolan.sandbox.enabled')) {
    return null;
  }
  return (
    <div
      role="status"
      aria-label="Sandbox data"
      title="Argo CD, Kubernetes and Git on this portal are Portolan's local sandbox, with generated data."
      style={{
        position: 'fixed',
        right: 16,
        bottom: 16,
        zIndex: 2000,
        padding: '6px 12px',
        borderRadius: 16,
        background: '#8a4b00',
        color: '#fff',
        font: '600 12px/1.4 system-ui, sans-serif',
        letterSpacing: 0.4,
        boxShadow: '0 2px 6px rgba(0,0,0,.25)',
        pointerEvents: 'auto',
      }}
    >
      SANDBOX DATA
    </div>
  );
}
