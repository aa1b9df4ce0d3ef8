// Test settings for sts-config: property tests run thousands of cases, and the 2-core CI box is shared,
// so a test gets 30 s instead of vitest's default 5 s.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 30_000 } });
