// Types for scripts/update-command-reference.mjs, so tests can import it under the strict tsconfig.
export declare const START_MARKER: string;
export declare const END_MARKER: string;
export declare function commandNames(rootHelp: string): string[];
/** The README block (between the markers) built from the live `--help` output of the built CLI. */
export declare function buildCommandReference(root?: string): Promise<string>;
export declare function extractCommandReference(readme: string): string | undefined;
export declare function replaceCommandReference(readme: string, block: string): string;
