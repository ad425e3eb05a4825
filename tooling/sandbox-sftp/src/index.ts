// A local SFTP server for tests and the dev stack (ssh2 Server), with failures on command.
export { generateSshKeyPair, startSftpSandbox, type SftpSandbox, type SftpSandboxFailures, type SftpSandboxUser } from './sftp-sandbox.server.js';
