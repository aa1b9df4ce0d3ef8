// Test settings: property tests and full tamper sweeps run thousands of cases, and CI is a shared 2-core
// box where turbo runs several suites at once, so a test gets 60 s instead of vitest's default 5 s.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
