// The console's API types, generated from the server's OpenAPI document (docs/server.md
// "Typed responses"). `console/openapi.json` is written by the server's own test
// (`UPDATE_OPENAPI=1 cargo test -p ar-server --lib committed_document`); this turns it
// into `src/api/schema.gen.ts`. `npm run gen:api` writes the file; the test
// `src/api/schema.gen.test.ts` regenerates it in memory and fails when they differ.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import openapiTS from "openapi-typescript";

export const DOCUMENT = fileURLToPath(new URL("../openapi.json", import.meta.url));
export const OUTPUT = fileURLToPath(new URL("../src/api/schema.gen.ts", import.meta.url));

const HEADER = `/**
 * Generated from console/openapi.json by \`npm run gen:api\` (openapi-typescript).
 * Do not edit: regenerate (docs/server.md "Typed responses").
 */

`;

/** The TypeScript text for the document's JSON text. */
export async function generate(documentText) {
  return openapiTS(JSON.parse(documentText), {
    commentHeader: HEADER,
    silent: true,
    // A free-form object (a payload, a JSON Schema) is any object, not an empty one.
    emptyObjectsUnknown: true,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate(await readFile(DOCUMENT, "utf8"));
  await writeFile(OUTPUT, text);
  console.log(`wrote ${OUTPUT}`);
}
