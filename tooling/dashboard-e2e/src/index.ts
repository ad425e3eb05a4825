export { ARTIFACTS_DIR, CHROMIUM_FLAGS, CHROMIUM_PATH, launchBrowser, runAxe, screenshot, type AxeViolation, type TestBrowser } from './browser.js';
export {
  chooseLanguage,
  field,
  fill,
  openFromNav,
  openPath,
  openSignIn,
  press,
  readError,
  signIn,
  signInWithKey,
  waitForHeading,
  waitForScreen,
} from './dashboard.js';
export { CHARGE_CHANNEL, DASHBOARD_DIST, PASSWORD, startDashboardStack, type DashboardStack, type Person } from './stack.js';
export { amountsNear, documentState, focusDocumentStart, focused, tableRow, tabUntil, waitForRows, type Focused, type TableRow } from './probes.js';
export { bundleSizes, type BundleFile } from './bundle.js';
