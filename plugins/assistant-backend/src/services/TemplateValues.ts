import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import Ajv from 'ajv';

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Values for a software template, checked against that template's own
 * parameter schema (`spec.parameters`: one JSON schema or one per form
 * step) with a JSON-schema validator; names the template does not ask for
 * are refused too, so nothing unexpected reaches the form.
 */
export class TemplateValues {
  // Templates carry `ui:*` keys and formats the validator does not know.
  private readonly ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
  });

  /** The values, when the template accepts them; an InputError naming each problem otherwise. */
  validate(
    template: Entity,
    values: Record<string, unknown>,
  ): Record<string, unknown> {
    const ref = `${template.metadata.namespace ?? 'default'}/${
      template.metadata.name
    }`;
    const parameters = (template.spec as Schema | undefined)?.parameters;
    const steps = (Array.isArray(parameters) ? parameters : [parameters])
      .filter(isObject)
      .map(({ title, description, ...schema }) => schema);
    const known = new Set(
      steps.flatMap(s =>
        isObject(s.properties) ? Object.keys(s.properties) : [],
      ),
    );
    const unknown = Object.keys(values).filter(k => !known.has(k));
    if (unknown.length)
      throw new InputError(
        `The template ${ref} has no parameter ${unknown.join(', ')} (it has ${
          [...known].join(', ') || 'none'
        })`,
      );
    const validate = this.ajv.compile({ type: 'object', allOf: steps });
    if (!validate(values))
      throw new InputError(
        `Values for the template ${ref}: ${(validate.errors ?? [])
          .map(e => `${e.instancePath || 'values'} ${e.message}`)
          .join('; ')}`,
      );
    return values;
  }
}
