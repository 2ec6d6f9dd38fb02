/** The fewest lines a log of these options needs: two to create each partner, one per violation. */
export const minimumEvents = (partners: number, violations: number): number => 2 * partners + violations;
