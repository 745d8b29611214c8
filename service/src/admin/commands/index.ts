/** Every admin command; a new one is a file beside this and a line here. */
import type { AdminCommand } from "../admin-command.js";
import { keysCommand } from "./keys.js";
import { limitsCommand, usageCommand } from "./limits.js";
import { searchCommand } from "./search.js";

export const commands: AdminCommand[] = [keysCommand, limitsCommand, usageCommand, searchCommand];
