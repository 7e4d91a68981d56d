import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readSpec } from './specs.js';

/**
 * One Ajv instance for every schema in specs/, compiled at startup (ajv's
 * standalone output still require()s its runtime, which ESM cannot use).
 */
let instance: Ajv2020 | undefined;

export function getAjv(): Ajv2020 {
  if (instance === undefined) {
    instance = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    // ajv-formats is CJS; under NodeNext its callable is the default property (ajv-formats#123).
    addFormats.default(instance);
    for (const name of ['referral.schema.json', 'error.schema.json']) {
      instance.addSchema(readSpec<object>(name), name);
    }
  }
  return instance;
}

/** The compiled validator of a spec, or of a `$defs` entry of it (`referral.schema.json#/$defs/NewReferral`). */
export function getValidator(ref: string) {
  const validate = getAjv().getSchema(ref);
  if (validate === undefined) throw new Error(`no schema ${ref} in specs/`);
  return validate;
}
