import { RequestHandler } from 'express';
import {
  interceptResponseBody,
  rewriteJson,
} from '../config/interceptResponseBody';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * One Argo CD ApplicationSource without what often holds secrets: inline
 * Helm values (`values`, `valuesObject`), parameter values and file
 * parameters, and a config management plugin's `env`. Names stay, so the
 * UI can still say a parameter exists.
 */
function redactSource(source: Json): Json {
  const out: Json = { ...source };
  if (isObject(source.helm)) {
    const {
      values: _v,
      valuesObject: _vo,
      fileParameters: _fp,
      ...helm
    } = source.helm;
    if (Array.isArray(helm.parameters)) {
      helm.parameters = helm.parameters.map(p => {
        if (!isObject(p)) return p;
        const { value: _value, ...rest } = p;
        return rest;
      });
    }
    out.helm = helm;
  }
  if (isObject(source.plugin)) {
    const { env: _env, ...plugin } = source.plugin;
    out.plugin = plugin;
  }
  return out;
}

/**
 * A copy of any JSON value (an Application, a list, Roadie's wrappers) in
 * which every ApplicationSource — an object with a `repoURL`: `spec.source`,
 * `spec.sources[]`, and the copies Argo CD keeps in `status.history`,
 * `status.sync.comparedTo` and `status.operationState` — is redacted.
 */
export function redactArgoCdSources(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactArgoCdSources);
  if (!isObject(value)) return value;
  const walked = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, redactArgoCdSources(v)]),
  );
  return typeof value.repoURL === 'string' ? redactSource(walked) : walked;
}

/**
 * Roadie's Argo CD backend (`/api/argocd`) hands whole Application objects
 * to the browser; this middleware redacts their sources in every answer to
 * a read (writes are closed by readOnlyUpstreamGuard).
 */
export function argoCdSpecRedaction(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      interceptResponseBody(res, text =>
        rewriteJson(text, redactArgoCdSources),
      );
    }
    next();
  };
}
