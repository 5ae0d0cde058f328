/** How many `property` blocks held and broke, and the summary `fdwarden test` prints of it. */
export interface PropertyTally {
  held: number;
  broken: number;
}

/** The summary's property part, e.g. `; 2 properties held, 1 broken` (empty without properties). */
export function propertySummary(t: PropertyTally): string {
  const n = t.held + t.broken;
  if (n === 0) return '';
  return `; ${t.held} ${t.held === 1 ? 'property' : 'properties'} held, ${t.broken} broken`;
}
