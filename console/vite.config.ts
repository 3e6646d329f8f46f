import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The console is served by `agentruntime serve` at `/` with the API at `/v1` on the same
// origin. In development, Vite proxies `/v1` (including the WebSocket stream) to a local server.
const apiTarget = process.env.AGENTRUNTIME_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    // Report gzipped sizes so the 400 KB initial-payload budget can be checked from the log.
    reportCompressedSize: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/v1": { target: apiTarget, changeOrigin: false, ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
  },
});
