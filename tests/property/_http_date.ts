/**
 * HTTP-dates in the three formats of RFC 9110 5.6.7, with the time they
 * stand for.
 *
 * @module
 */
import fc from "fast-check";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
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

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const clock = (d: Date) =>
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/** A moment with whole seconds, 1970–2099 (RFC 850 years are two digits). */
export const moment: fc.Arbitrary<Date> = fc.integer({
  min: 0,
  max: 4_102_444_799,
}).map((s) => new Date(s * 1000));

/** The three HTTP-date formats of RFC 9110 5.6.7. */
export const httpDate: fc.Arbitrary<{ text: string; time: number }> = fc.tuple(
  moment,
  fc.constantFrom("imf", "rfc850", "asctime"),
).map(([d, format]) => {
  const day = pad(d.getUTCDate());
  const month = MONTHS[d.getUTCMonth()];
  const year = d.getUTCFullYear();
  const text = format === "imf"
    ? `${DAYS[d.getUTCDay()]}, ${day} ${month} ${year} ${clock(d)} GMT`
    : format === "rfc850"
    ? `${LONG_DAYS[d.getUTCDay()]}, ${day}-${month}-${pad(year % 100)} ${
      clock(d)
    } GMT`
    : `${DAYS[d.getUTCDay()]} ${month} ${
      String(d.getUTCDate()).padStart(2, " ")
    } ${clock(d)} ${year}`;
  return { text, time: d.getTime() };
}).filter(({ text, time }) =>
  // Two-digit years read as 1970-2069 (the 50-year rule of RFC 9110).
  !text.includes("-") || (time >= 0 && time < Date.UTC(2050, 0, 1))
);
