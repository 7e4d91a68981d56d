// Types for scripts/generate-types.mjs, so tests can import the generator under the strict tsconfig.
export declare const SPECS_DIR: string;
export declare const OUT_DIR: string;
export declare function mapJsonValues(schema: unknown): unknown;
export declare function schemaFiles(root?: string): string[];
/** Repo-relative output path → generated file text, for every specs/*.schema.json. */
export declare function generateTypes(root?: string): Promise<Map<string, string>>;
