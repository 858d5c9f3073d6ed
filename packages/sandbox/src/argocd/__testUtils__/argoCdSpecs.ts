import Ajv from 'ajv-draft-04';
import AjvV8 from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const specs = path.resolve(__dirname, '../../../../../../shared/specs/argocd');
const swagger = JSON.parse(
  fs.readFileSync(path.join(specs, 'swagger.json'), 'utf8'),
);
const crd = YAML.parse(
  fs.readFileSync(path.join(specs, 'application-crd.yaml'), 'utf8'),
);

// Swagger 2 definitions are JSON Schema draft 4 with extra keywords.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Expects a body valid against a definition of Argo CD's swagger.json. */
export function expectSwaggerShape(definition: string, body: unknown) {
  if (!compiled.has(definition)) {
    compiled.set(
      definition,
      ajv.compile({
        definitions: swagger.definitions,
        $ref: `#/definitions/${definition}`,
      }),
    );
  }
  const validate = compiled.get(definition)!;
  expect({
    definition,
    valid: validate(body),
    errors: validate.errors ?? null,
  }).toEqual({
    definition,
    valid: true,
    errors: null,
  });
}

const crdSchema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1')
  .schema.openAPIV3Schema;
const validateCrd = new AjvV8({
  strict: false,
  allErrors: true,
  validateFormats: false,
}).compile(crdSchema);

/** Expects an Application valid against the Application CRD's schema. */
export function expectCrdShape(app: unknown) {
  expect(validateCrd(app) ? null : validateCrd.errors).toBeNull();
}

/** A signed-in caller of one stand-in instance, over real HTTP. */
export function argoCdCaller(base: () => string, token: () => string) {
  return async (method: string, p: string, body?: unknown, auth = true) => {
    const res = await fetch(`${base()}${p}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(auth ? { Authorization: `Bearer ${token()}` } : {}),
      },
      body:
        typeof body === 'string' || body === undefined
          ? body
          : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}
