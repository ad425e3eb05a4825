// Loaded into each host process by the soak (`node --import heap-probe.js main.js`): writes the
// process's memoryUsage() to CHAOS_HEAP_FILE every few seconds, so the heap can be sampled from
// outside without a metrics route in the product. Writes go to a temporary file renamed into place.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.CHAOS_HEAP_FILE;
if (file) {
  const write = () => {
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
      renameSync(`${file}.tmp`, file);
    } catch {
      // The sampler reads the last good file; a missed write only makes it older.
    }
  };
  write();
  setInterval(write, 5_000).unref();
}
