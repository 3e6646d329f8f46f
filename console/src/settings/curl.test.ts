import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { shellQuote, webhookCurl } from "./curl";

describe("shellQuote", () => {
  it("survives a round trip through the shell, quotes included", () => {
    const tricky = `it's "$HOME" \`x\` \\ ; rm -rf /`;
    expect(execFileSync("sh", ["-c", `printf '%s' ${shellQuote(tricky)}`]).toString()).toBe(tricky);
  });
});

describe("webhookCurl", () => {
  it("computes the signature the server expects for the body it sends", () => {
    const secret = "whsec_test'secret";
    const body = `{"name": "O'Brien"}`;
    const script = webhookCurl("http://127.0.0.1:8080/v1/inbound-webhooks/w1", secret, body);
    // Run everything but curl: the signing lines must give HMAC-SHA256(secret, body).
    const signing = script.split("\n").slice(0, 2).join("\n");
    const sig = execFileSync("sh", ["-c", `${signing}\nprintf '%s' "$SIG"`]).toString();
    expect(sig).toBe(createHmac("sha256", secret).update(body).digest("hex"));
    expect(script).toContain(`curl -X POST 'http://127.0.0.1:8080/v1/inbound-webhooks/w1'`);
    expect(script).toContain('X-Agentruntime-Signature: sha256=$SIG');
    expect(script).not.toContain("pat_");
  });
});
