// Conversions between the API's RFC 3339 times and the browser's local time.

function pad(number) {
  return String(number).padStart(2, '0');
}

/** Formats a Date as RFC 3339 in the browser's time zone, such as 2027-01-05T09:30:00+01:00. */
export function toRfc3339Local(date) {
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const offset = Math.abs(offsetMinutes);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`
  );
}

/** Formats an RFC 3339 time as the value of a datetime-local input. */
export function toDatetimeLocalValue(rfc3339) {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** Parses the value of a datetime-local input as local time; null when empty or invalid. */
export function parseDatetimeLocalValue(value) {
  if (!value) {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const displayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Formats an RFC 3339 time for people, in the browser's time zone. */
export function formatTime(rfc3339) {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? '' : displayFormat.format(date);
}
