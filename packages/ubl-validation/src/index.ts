export { createUblValidator, type UblValidator, type UblValidatorOptions } from './ubl-validator.js';
export { validateUblSchema, UBL_XSD_DIR_ENV } from './ubl-schema.js';
export { compileSchematron, isFatalFlag, type CompiledSchematron, type RuleFlags } from './schematron-compiler.js';
export { RULE_FILES, RULE_SETS } from './rule-files.js';
export { SchematronCompileError, UblValidationFailedError } from './ubl-validation.errors.js';
export type { RuleSet, ValidationResult, Violation, ViolationFlag, ViolationSet } from './violation.js';
