export { createTestHost, type TestHost, type TestHostInput, type TestResponse } from './test-host.js';
export { ManualClock } from '@tollgate/clock';
export { testEngines, type TestDatabase, type TestEngine } from '@tollgate/db';
