// A local S3 endpoint for tests and the dev stack: Signature V4 checked as S3 checks it, failures on command.
export {
  SANDBOX_S3_CREDENTIALS,
  startS3Sandbox,
  type S3Sandbox,
  type S3SandboxCredentials,
  type S3SandboxObject,
  type S3SandboxRequest,
} from './s3-sandbox.server.js';
