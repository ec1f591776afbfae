#!/usr/bin/env node
// Placeholder until the CLI lands (issue 13).
console.error('swarmctl: not built yet');
process.exit(2);
