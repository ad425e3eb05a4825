export { CLOCK, ManualClock, SystemClock, type Clock } from './clock.js';
