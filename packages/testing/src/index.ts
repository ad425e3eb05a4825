export { createTestHost, type TestHost, type TestHostInput, type TestResponse, type UploadInput } from './test-host.js';
export { ManualClock } from '@tollgate/clock';
export { dropSchemaFamily, openDatabase, testEngines, type Database, type TestDatabase, type TestEngine } from '@tollgate/db';
export { MailSink, type ReceivedMail } from './mail-sink.js';
