// `pnpm newcomer`: the scripted first day (newcomer.ts), with each step's time.
import { runNewcomer } from './newcomer.js';

runNewcomer({ log: (line) => process.stdout.write(`${line}\n`) })
  .then((result) => {
    process.stdout.write(`${JSON.stringify({ firstStartMs: result.firstStartMs, restartMs: result.restartMs })}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`newcomer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
