import { enableCompileCache } from 'node:module';

// V8's code cache for our modules: later starts skip most parsing.
enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
