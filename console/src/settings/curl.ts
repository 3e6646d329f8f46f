/**
 * The ready-to-paste shell command that delivers to an inbound webhook: it signs the body
 * with the subscription's secret (HMAC-SHA256, `X-Agentruntime-Signature: sha256=<hex>`)
 * and authenticates with the automation token, which the user supplies as an environment
 * variable because the console never sees a token after its creation.
 */

/** Quotes `s` for a POSIX shell (single quotes; an inner `'` becomes `'\''`). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function webhookCurl(ingressUrl: string, signingSecret: string, body = '{"hello": "world"}'): string {
  return [
    `BODY=${shellQuote(body)}`,
    `SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac ${shellQuote(signingSecret)} | sed 's/^.* //')`,
    `curl -X POST ${shellQuote(ingressUrl)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Authorization: Bearer $AGENTRUNTIME_TOKEN" \\`,
    `  -H "X-Agentruntime-Signature: sha256=$SIG" \\`,
    `  --data "$BODY"`,
  ].join("\n");
}
