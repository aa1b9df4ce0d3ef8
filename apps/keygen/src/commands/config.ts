// The `config` commands of sts-keygen: `config check` (config-check.ts) and `config new` (config-new.ts).
// STS configuration files, nectar-compat §1; the registry (index.ts) loads this module for the word 'config'.

import type { Command } from '../io/command.ts';
import { configCheck } from './config-check.ts';
import { configNew } from './config-new.ts';

export const commands: Command[] = [configCheck, configNew];
