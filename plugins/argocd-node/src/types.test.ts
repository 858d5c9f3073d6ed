import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  applicationListSchema,
  applicationSchema,
  applicationTreeSchema,
  projectSchema,
  revisionMetadataSchema,
  runtimeErrorSchema,
} from './types';

const swagger = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../shared/specs/argocd/swagger.json'),
    'utf8',
  ),
);

type SwaggerSchema = {
  $ref?: string;
  allOf?: SwaggerSchema[];
  type?: string;
  properties?: Record<string, SwaggerSchema>;
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema;
};

function resolve(schema: SwaggerSchema): SwaggerSchema {
  if (!schema.$ref) return schema;
  return resolve(
    swagger.definitions[schema.$ref.replace('#/definitions/', '')],
  );
}

/** Properties of a definition, including those it takes from allOf. */
function propertiesOf(schema: SwaggerSchema): Record<string, SwaggerSchema> {
  const s = resolve(schema);
  return Object.assign(
    {},
    ...(s.allOf ?? []).map(propertiesOf),
    s.properties ?? {},
  );
}

/**
 * Every field a zod schema reads must exist in the swagger definition with
 * a compatible type, so the client validates what Argo CD documents (and a
 * typo'd field cannot silently read undefined forever).
 */
function mismatches(
  schema: z.ZodTypeAny,
  definition: SwaggerSchema,
  at: string,
): string[] {
  const def = schema._def;
  switch (def.typeName) {
    case 'ZodOptional':
    case 'ZodNullable':
    case 'ZodDefault':
      return mismatches(def.innerType, definition, at);
    case 'ZodEffects':
      return mismatches(def.schema, definition, at);
    case 'ZodObject': {
      const props = propertiesOf(definition);
      return Object.entries((schema as z.AnyZodObject).shape).flatMap(
        ([key, value]) =>
          props[key]
            ? mismatches(value as z.ZodTypeAny, props[key], `${at}.${key}`)
            : [`${at}.${key}: not in the swagger`],
      );
    }
    case 'ZodRecord':
      return resolve(definition).type === 'object'
        ? []
        : [`${at}: not a map in the swagger`];
    case 'ZodArray': {
      const s = resolve(definition);
      return s.type === 'array' && s.items
        ? mismatches(def.type, s.items, `${at}[]`)
        : [`${at}: not an array in the swagger`];
    }
    case 'ZodString':
      return resolve(definition).type === 'string'
        ? []
        : [`${at}: not a string in the swagger`];
    case 'ZodNumber':
      return ['integer', 'number'].includes(resolve(definition).type ?? '')
        ? []
        : [`${at}: not a number in the swagger`];
    case 'ZodBoolean':
      return resolve(definition).type === 'boolean'
        ? []
        : [`${at}: not a boolean in the swagger`];
    default:
      return [];
  }
}

describe('Argo CD response schemas', () => {
  it.each([
    ['v1alpha1Application', applicationSchema],
    ['v1alpha1ApplicationList', applicationListSchema],
    ['v1alpha1ApplicationTree', applicationTreeSchema],
    ['v1alpha1RevisionMetadata', revisionMetadataSchema],
    ['v1alpha1AppProject', projectSchema],
    ['runtimeError', runtimeErrorSchema],
  ])('read only what the swagger defines for %s', (definition, schema) => {
    expect(
      mismatches(schema, { $ref: `#/definitions/${definition}` }, definition),
    ).toEqual([]);
  });

  it('would notice a field the swagger does not have', () => {
    const wrong = z.object({
      status: z.object({ resourceHealth: z.string() }),
    });
    expect(
      mismatches(wrong, { $ref: '#/definitions/v1alpha1Application' }, 'app'),
    ).toEqual(['app.status.resourceHealth: not in the swagger']);
  });
});
