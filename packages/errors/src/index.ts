export {
  ConfigError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TollgateError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  isTollgateError,
  type ErrorBody,
} from './errors.js';
