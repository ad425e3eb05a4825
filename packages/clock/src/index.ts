export { CLOCK, ManualClock, SystemClock, type Clock } from './clock.js';
export { CALENDAR_DAY, isCalendarDay, startOfDay } from './calendar-day.js';
export {
  addTarget2BusinessDays,
  easterSunday,
  isTarget2BusinessDay,
  nextTarget2BusinessDay,
  target2BusinessDaysBetween,
  target2ClosingDays,
} from './target2-calendar.js';
