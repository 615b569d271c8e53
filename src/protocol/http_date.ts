/**
 * HTTP dates (RFC 9110, section 5.6.7), parsed strictly: the preferred
 * IMF-fixdate and the two obsolete forms a recipient must accept, nothing
 * else (`Date.parse` reads "x 2" or "1" as dates).
 *
 * @module
 */

const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(
  `^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`,
);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(
  `^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * The time an HTTP date names, in ms since epoch, or `null` when `value` is
 * not an HTTP date.
 */
export function parseHttpDate(value: string): number | null {
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    const [, day, month, year, h, m, s] = match;
    return utc(Number(year), month!, Number(day), h!, m!, s!);
  }
  match = RFC850.exec(text);
  if (match) {
    const [, day, month, yy, h, m, s] = match;
    // Two-digit years: RFC 9110 asks for the nearest century; this reads
    // 00–69 as 20xx and 70–99 as 19xx, as common implementations do.
    const year = Number(yy) + (Number(yy) < 70 ? 2000 : 1900);
    return utc(year, month!, Number(day), h!, m!, s!);
  }
  match = ASCTIME.exec(text);
  if (match) {
    const [, month, day, h, m, s, year] = match;
    return utc(Number(year), month!, Number(day), h!, m!, s!);
  }
  return null;
}

function utc(
  year: number,
  month: string,
  day: number,
  hours: string,
  minutes: string,
  seconds: string,
): number | null {
  const index = MONTHS.indexOf(month);
  const [h, m, s] = [Number(hours), Number(minutes), Number(seconds)];
  if (day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return null;
  const time = Date.UTC(year, index, day, h, m, Math.min(s, 59));
  // Reject a day past the month's end (31 Feb) instead of rolling over.
  return new Date(time).getUTCDate() === day ? time : null;
}
