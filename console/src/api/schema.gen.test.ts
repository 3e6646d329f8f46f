import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

import { DOCUMENT, OUTPUT, generate } from "../../scripts/api-types.mjs";

describe("schema.gen.ts", () => {
  it("is what openapi.json generates (else run `npm run gen:api`)", async () => {
    const expected = await generate(await readFile(DOCUMENT, "utf8"));
    const committed = await readFile(OUTPUT, "utf8");
    expect(
      committed,
      "src/api/schema.gen.ts is stale: run `npm run gen:api` in console/ (docs/server.md)",
    ).toBe(expected);
  });
});
