// Tests run the CLI as real processes (≈0.5 s each for tsx to start): generous timeouts on a shared 2-core box.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 60_000, maxConcurrency: 4 },
});
