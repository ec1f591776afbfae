/**
 * ISO 8601 duration with days, hours, minutes or seconds (e.g. PT30M, P1DT12H). Its own module, with no schema
 * library: the request schema (parameters.ts) checks against it, and so does everything that reads a cluster's
 * expiry (expiry.ts), including the read-only routes, whose bundles then carry no schema library.
 */
export const DURATION_PATTERN = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
