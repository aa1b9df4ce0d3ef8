// Test settings of sts-meter: CLI tests spawn real processes (tsx start-up ≈ 1 s, more on a loaded box).
// The Chromium page test and the fleet runs share the same 60 s limit.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
