export { CLOCK, ManualClock, SystemClock, type Clock } from './clock.js';
export { CALENDAR_DAY, isCalendarDay, startOfDay } from './calendar-day.js';
