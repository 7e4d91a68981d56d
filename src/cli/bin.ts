#!/usr/bin/env node
import { runCli } from './main.js';
import { processIO } from './context.js';
import { quietOnClosedPipes } from './closed-pipe.js';

quietOnClosedPipes();
const code = await runCli(process.argv.slice(2), processIO());
// Let pending writes drain instead of cutting stdout short with process.exit().
process.exitCode = code;
