// Types of scripts/api-types.mjs, for the test that imports it.
export declare const DOCUMENT: string;
export declare const OUTPUT: string;
export declare function generate(documentText: string): Promise<string>;
