// ESLint flat config for the whole monorepo: see tooling/eslint-config/index.js.
import tollgate from '@tollgate/eslint-config';

export default tollgate({ root: import.meta.dirname });
